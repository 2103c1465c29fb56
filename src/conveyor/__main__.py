from conveyor.cli.main import main

raise SystemExit(main())
