//! `aegis-engine`: replay orders from stdin and print the resulting trades.
//!
//! Input, one command per line:
//!   `limit <id> <buy|sell> <price> <qty>`, `market <id> <buy|sell> <qty>`, `cancel <id>`

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use aegis_engine::{OrderBook, Side};

fn parse_side(word: &str) -> Result<Side, String> {
    match word {
        "buy" => Ok(Side::Buy),
        "sell" => Ok(Side::Sell),
        other => Err(format!("unknown side {other:?}")),
    }
}

fn parse_num(word: &str) -> Result<u64, String> {
    word.parse().map_err(|_| format!("not a number: {word:?}"))
}

fn apply(book: &mut OrderBook, line: &str, out: &mut impl Write) -> Result<(), String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let execution = match words.as_slice() {
        ["limit", id, side, price, qty] => book
            .limit(
                parse_num(id)?,
                parse_side(side)?,
                parse_num(price)?,
                parse_num(qty)?,
            )
            .map_err(|e| e.to_string())?,
        ["market", id, side, qty] => book
            .market(parse_num(id)?, parse_side(side)?, parse_num(qty)?)
            .map_err(|e| e.to_string())?,
        ["cancel", id] => {
            let left = book.cancel(parse_num(id)?).map_err(|e| e.to_string())?;
            writeln!(out, "cancelled {id} ({left} left)").map_err(|e| e.to_string())?;
            return Ok(());
        }
        _ => return Err(format!("cannot parse command: {line:?}")),
    };
    for t in &execution.trades {
        writeln!(
            out,
            "trade taker={} maker={} {}@{}",
            t.taker, t.maker, t.quantity, t.price
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut book = OrderBook::new();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for (n, line) in io::stdin().lock().lines().enumerate() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("read error: {e}");
                return ExitCode::FAILURE;
            }
        };
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if let Err(e) = apply(&mut book, &line, &mut out) {
            eprintln!("line {}: {e}", n + 1);
            return ExitCode::FAILURE;
        }
    }
    let _ = writeln!(
        out,
        "book: best bid {:?}, best ask {:?}, {} resting",
        book.best_bid(),
        book.best_ask(),
        book.len()
    );
    ExitCode::SUCCESS
}
