# aegis-engine over TCP, with perl-base only (the engine image is debian:bookworm):
# each connection gets its own aegis-engine, its stdin and stdout on the socket.
#   printf 'limit 1 sell 101 5\nlimit 2 buy 101 3\n' | nc ENGINE 7000
use strict;
use warnings;
use IO::Socket::INET;

$SIG{CHLD} = 'IGNORE';    # no zombies: nobody waits for the engines
my $port = $ENV{PORT} || 7000;
my $server = IO::Socket::INET->new(
    LocalPort => $port, Listen => 16, ReuseAddr => 1, Proto => 'tcp',
) or die "cannot listen on $port: $!\n";
$| = 1;
print "aegis-engine on :$port\n";
while (1) {
    my $client = $server->accept or next;
    my $pid = fork;
    if (defined $pid && $pid == 0) {
        close $server;
        open STDIN, '<&', $client or exit 1;
        open STDOUT, '>&', $client or exit 1;
        exec '/usr/local/bin/aegis-engine' or exit 1;
    }
    close $client;
}
