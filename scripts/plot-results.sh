#!/usr/bin/env bash
# plot-results.sh - the plots of scripts/experiment.sh, from its CSV files
# alone (so they can be redrawn, or restyled, without rerunning anything).
#
#   scripts/plot-results.sh RESULTS_DIR
#
# Reads RESULTS_DIR/summary.csv and RESULTS_DIR/bic.csv and writes, each as
# PNG and SVG, into RESULTS_DIR:
#   accuracy-vs-ratio  the judge's test accuracy (mean over seeds, bars: one
#                      sample standard deviation) against the compression
#                      ratio (raw training bytes / stored bytes, log scale),
#                      one colour per method; each method's Pareto front (its
#                      points that no other point of the method beats on
#                      both ratio and accuracy) is drawn as a line.
#   bic-<variant>      each class's BIC curve against the number of mixture
#                      components k, as BIC minus the class's minimum so that
#                      the curves share one scale; the k lgc kept is filled.
#   latents-<variant>  for every RESULTS_DIR/latents-<variant>.csv (the
#                      training codes, `lgc compress --latents`): the latent
#                      space on its first two principal components, one
#                      colour per class (scripts/plot-latents.sh).
# Needs gnuplot (Debian gnuplot-nox), installed with apt-get when missing.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: scripts/plot-results.sh RESULTS_DIR" >&2; exit 2; }
dir=$1
for f in summary.csv bic.csv; do
    [ -s "$dir/$f" ] || { echo "plot-results: missing '$dir/$f'" >&2; exit 1; }
done
if ! command -v gnuplot >/dev/null; then
    echo "plot-results: installing gnuplot-nox" >&2
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gnuplot-nox >&2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# style METHOD: colour and point type, fixed so figures are comparable
style() {
    case $1 in
    lgc) echo '"#1b9e77" 7' ;;
    random) echo '"#d95f02" 5' ;;
    random-gzip) echo '"#7570b3" 9' ;;
    random-gzip-aug) echo '"#e6ab02" 15' ;;
    gradient) echo '"#e7298a" 11' ;;
    gradient-weighted) echo '"#66a61e" 13' ;;
    full) echo '"#000000" 3' ;;
    *) echo '"#666666" 1' ;;
    esac
}

# render NAME: runs $tmp/NAME.gp (plot commands) for PNG and SVG
render() {
    {
        echo 'set terminal pngcairo size 1100,720 enhanced font "sans,11"'
        echo "set output '$dir/$1.png'"
        cat "$tmp/$1.gp"
        echo 'set terminal svg size 1100,720 enhanced font "sans,11" background "white"'
        echo "set output '$dir/$1.svg'"
        echo 'replot'
        echo 'unset output'
    } | gnuplot
}

# --- accuracy against ratio, with each method's Pareto front ---
methods=$(awk -F, 'NR > 1 && !seen[$3]++ { print $3 }' "$dir/summary.csv")
plots=()
for m in $methods; do
    # ratio, accuracy %, sd %
    awk -F, -v m="$m" 'NR > 1 && $3 == m { printf "%s %.4f %.4f\n", $7, 100 * $8, 100 * $9 }' \
        "$dir/summary.csv" | sort -g >"$tmp/$m.pts"
    # from the highest ratio down, a point is on the front when it is more
    # accurate than every point of higher ratio
    sort -gr "$tmp/$m.pts" | awk 'NR == 1 || $2 > best { print; best = $2 }' | sort -g \
        >"$tmp/$m.front"
    read -r colour pt <<<"$(style "$m")"
    plots+=("'$tmp/$m.pts' using 1:2:3 with yerrorbars lc rgb $colour pt $pt ps 1.3 title '$m'")
    plots+=("'$tmp/$m.front' using 1:2 with lines lc rgb $colour lw 2 notitle")
done
{
    echo 'set logscale x'
    echo 'set format x "%g"'
    echo 'set xlabel "compression ratio: raw training bytes / stored bytes (log scale)"'
    echo 'set ylabel "judge test accuracy (%)"'
    echo 'set title "Test accuracy against compression ratio at equal bytes\n{/*0.85 mean ± sd over seeds; lines: each method'"'"'s Pareto front}"'
    echo 'set key outside right top box'
    echo 'set grid'
    # a margin of a factor 1.5 each side, rather than whole decades
    awk 'NR == 1 || $1 < lo { lo = $1 } NR == 1 || $1 > hi { hi = $1 }
         END { printf "set xrange [%g:%g]\n", lo / 1.5, hi * 1.5 }' "$tmp"/*.pts
    echo 'set offsets 0, 0, graph 0.05, graph 0.05'
    echo 'set yrange [0<*:*<100]'
    printf 'plot %s' "${plots[0]}"
    for p in "${plots[@]:1}"; do printf ', \\\n     %s' "$p"; done
    echo
} >"$tmp/accuracy-vs-ratio.gp"
render accuracy-vs-ratio

# --- each class's BIC curve, one figure per variant ---
palette=('#1f77b4' '#ff7f0e' '#2ca02c' '#d62728' '#9467bd' '#8c564b' '#e377c2' '#7f7f7f'
    '#bcbd22' '#17becf')
for v in $(awk -F, 'NR > 1 && !seen[$1]++ { print $1 }' "$dir/bic.csv"); do
    # per class: min BIC; then blocks "k delta" separated by two blank lines
    awk -F, -v v="$v" 'NR > 1 && $1 == v {
            if (!($2 in lo) || $5 < lo[$2]) lo[$2] = $5
            if (!($2 in seen)) { cls[++nc] = $2; seen[$2] = 1 }
            k[$2, ++nk[$2]] = $4; b[$2, nk[$2]] = $5; chosen[$2] = $3
        }
        END {
            for (i = 1; i <= nc; i++) {
                c = cls[i]
                for (j = 1; j <= nk[c]; j++) printf "%d %.6g %d\n", k[c, j], b[c, j] - lo[c], k[c, j] == chosen[c]
                printf "\n\n"
            }
        }' "$dir/bic.csv" >"$tmp/bic.dat"
    classes=$(awk -F, -v v="$v" 'NR > 1 && $1 == v && !seen[$2]++ { printf "%s:%s ", $2, $3 }' "$dir/bic.csv")
    plots=()
    i=0
    for ck in $classes; do
        c=${ck%%:*}
        k=${ck#*:}
        # ten distinct colours, then the same again dashed
        colour=${palette[$((i % 10))]}
        dash=$((i / 10 + 1))
        plots+=("'$tmp/bic.dat' index $i using 1:2 with lines lc rgb '$colour' dt $dash lw 1.5 title 'class $c (k = $k)'")
        plots+=("'$tmp/bic.dat' index $i using 1:(\$3 > 0 ? \$2 : NaN) with points lc rgb '$colour' pt 7 ps 1.4 notitle")
        i=$((i + 1))
    done
    {
        echo 'set xlabel "mixture components k"'
        echo 'set ylabel "BIC - the class'"'"'s minimum BIC"'
        echo "set title \"Each class's BIC curve, variant $v\\n{/*0.85 lower is better; filled: the k lgc keeps}\""
        echo 'set key outside right top box'
        echo 'set grid'
        echo 'set xtics 1'
        printf 'plot %s' "${plots[0]}"
        for p in "${plots[@]:1}"; do printf ', \\\n     %s' "$p"; done
        echo
    } >"$tmp/bic-$v.gp"
    render "bic-$v"
done
for f in "$dir"/latents-*.csv; do
    [ -e "$f" ] || continue
    case $f in *.pca.csv) continue ;; esac # plot-latents.sh's own output
    v=${f##*/latents-}
    v=${v%.csv}
    "$(dirname "$0")/plot-latents.sh" "$f" "$dir/latents-$v" \
        "Training codes of variant $v, first two principal components" >&2
done
echo "plot-results: wrote $dir/accuracy-vs-ratio.{png,svg}, $dir/bic-*.{png,svg} and latents-*" >&2
