#!/usr/bin/perl
# The peer for scripts/bench/bounces.sh: Debian's libsisimai-perl reading the
# same report files, printing the JSON lines eval_bounces.py scores
# ({"path","recipient","kind","status"}), with Sisimai's reason mapped to the
# newsletter's kinds: hard for the reasons that say the address is gone, ARF by feedback
# type, vacation as auto-reply, anything else that failed as soft.
use strict;
use warnings;
use Sisimai;
use JSON::PP;

my $json = JSON::PP->new->canonical;
for my $path (@ARGV) {
    my $found = Sisimai->make($path, delivered => 1, vacation => 1) || [];
    for my $e (@$found) {
        my $reason = $e->reason // '';
        my $kind;
        if ($reason eq 'feedback') {
            my $type = $e->feedbacktype // '';
            $kind = $type =~ /\A(?:abuse|fraud|virus)\z/ ? 'complaint'
                  : $type eq 'opt-out' ? 'unsubscribe' : 'none';
        } elsif ($reason eq 'vacation') {
            $kind = 'auto-reply';
        } elsif ($reason eq 'delivered') {
            $kind = 'none';
        } else {
            # Sisimai's reasons that say the address itself is gone.
            $kind = $reason =~ /\A(?:userunknown|hostunknown|hasmoved|notaccept)\z/ ? 'hard' : 'soft';
        }
        print $json->encode({
            path => $path,
            recipient => $e->recipient->address,
            kind => $kind,
            status => $e->deliverystatus // '',
        }), "\n";
    }
}
