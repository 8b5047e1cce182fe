#!/usr/bin/env bash
# Power spectra of all 2×H neuron functions of an S_n model: fmkit's group
# package (warm: irreps built once; cold: building them included) next to the
# paper's code (sn-grok's slow_sn_ft_1d + calc_power, which rebuilds its
# irreps on every call), in the same run. The issue asks for < 100 ms for
# 2×128 functions on S5 and < 2 s for 2×256 on S6.
#
# Usage: bench/sn_power_vs_sngrok.sh SNGROK_DIR   (from the repository root;
# SNGROK_DIR is a checkout of github.com/dashstander/sn-grok outside the
# repository; needs /usr/bin/python3 with python3-torch and python3-catalogue)
set -euo pipefail
cd "$(dirname "$0")/.."
sngrok=${1:?usage: bench/sn_power_vs_sngrok.sh SNGROK_DIR}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
go test -run '^$' -bench 'PowerSpectraS5x256|PowerSpectraS6x512|NewFourierS5|NewFourierS6' -benchtime 2s ./group >"$tmp/fmkit.txt"
ms() { awk -v b="$1" '$1 ~ b {for (i=2;i<=NF;i++) if ($i=="ns/op") print $(i-1)/1e6}' "$tmp/fmkit.txt"; }
s5=$(ms PowerSpectraS5x256)
s6=$(ms PowerSpectraS6x512)
b5=$(ms NewFourierS5)
b6=$(ms NewFourierS6)
p5=$(/usr/bin/python3 bench/sn_power_peer.py "$sngrok" 5 128)
p6=$(/usr/bin/python3 bench/sn_power_peer.py "$sngrok" 6 256)

printf '\n%-24s %12s %12s %12s %10s\n' "" "fmkit warm" "fmkit cold" "sn-grok" "cold ratio"
row() { printf '%-24s %10.2f ms %10.2f ms %10.1f ms %9.0f×\n' "$1" "$2" "$(echo "$2 + $3" | bc -l)" "$4" "$(echo "$4 / ($2 + $3)" | bc -l)"; }
row "S5, 2×128 functions" "$s5" "$b5" "$p5"
row "S6, 2×256 functions" "$s6" "$b6" "$p6"
echo "targets: S5 < 100 ms, S6 < 2000 ms"
