#!/bin/bash
# The legacy-vrrp exec check (docs/migrating.md "Running beside keepalived"): exit 0 only when the
# watcher's state file (main.ts watch) is fresh and its quiet period has run out. Bash builtins
# only (read, [[ ]], arithmetic, $EPOCHREALTIME): it runs every second on every host, and a `node`
# started for it took longer than the check's timeout on a loaded host.
#   check.sh --state FILE [--stale-ms 2000]
#   check.sh --state-dir DIR [--stale-ms 2000]   this network namespace's file, named as the watcher names it
# Anything unreadable, stale or malformed is passive: not knowing must never look like silence.
set -u
passive() { echo "passive: $*"; exit 1; }
usage() { echo "legacy-vrrp check: $* (usage: check.sh --state FILE | --state-dir DIR [--stale-ms MS])" >&2; exit 2; }

file='' stale=2000
while (( $# > 0 )); do
  (( $# >= 2 )) || usage "$1 needs a value"
  case $1 in
    --state) file=$2 ;;
    --state-dir)
      # One readlink per run, only in the lab's shared-filesystem form: "net:[4026532281]".
      ns=$(readlink /proc/self/ns/net) && [[ $ns =~ ^net:\[([0-9]+)\]$ ]] || passive "cannot tell this network namespace"
      file=$2/legacy-vrrp-net${BASH_REMATCH[1]}.state ;;
    --stale-ms) stale=$2 ;;
    *) usage "unknown argument $1" ;;
  esac
  shift 2
done
[[ -n $file ]] || usage 'no state file'
[[ $stale =~ ^[1-9][0-9]{0,8}$ ]] || usage "--stale-ms $stale is not a positive number of ms"
# bash 5: microseconds since the epoch, the watcher's Date.now() clock; the point may be a comma in some locales.
[[ ${EPOCHREALTIME-} =~ ^([0-9]+)[.,]([0-9]{6})$ ]] || usage 'needs bash 5 ($EPOCHREALTIME)'
now=$(( 10#${BASH_REMATCH[1]} * 1000 + 10#${BASH_REMATCH[2]} / 1000 ))

tag='' version='' written='' clear='' why=''
# One line, at most 1 KiB of it: the watcher writes far less, and a bound keeps a wrong file cheap.
read -r -n 1024 tag version written clear why 2>/dev/null <"$file" || [[ -n $tag ]] || passive "cannot read $file: is the watcher running?"
[[ $tag == ipferry-legacy-vrrp && $version == 1 ]] || passive "$file is not a legacy-watch state file (format 1)"
[[ $written =~ ^[0-9]{1,15}$ && $clear =~ ^[0-9]{1,15}$ ]] || passive "$file has no times in it"
age=$(( now - 10#$written ))
(( age <= stale )) || passive "legacy-watch state is $age ms old (limit $stale ms): the watcher has stopped"
wait=$(( 10#$clear - now ))
(( wait <= 0 )) || passive "clear in $wait ms: $why"
echo "clear: $why"
