#!/usr/bin/env bash
# plot-latents.sh - the latent space of a dataset in 2-D: the training
# codes that `lgc compress --latents FILE` writes (CSV: class,z1,...,zd),
# projected on their first two principal components, one colour per class.
#
#   scripts/plot-latents.sh LATENTS.csv OUT_PREFIX [TITLE]
#
# Writes OUT_PREFIX.png and OUT_PREFIX.svg (gnuplot, Debian's gnuplot-nox)
# and OUT_PREFIX.pca.csv (class,pc1,pc2 of the points drawn). The principal
# components come from the covariance of all codes, by power iteration with
# deflation in awk (d is small: 16 by default); at most 600 points per class
# are drawn (evenly spaced in file order), so the picture stays readable.
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: scripts/plot-latents.sh LATENTS.csv OUT_PREFIX [TITLE]" >&2
    exit 2
fi
in=$1 out=$2 title=${3:-latent space}
[ -s "$in" ] || { echo "plot-latents: '$in' is missing or empty" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "plot-latents: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 1; }
per_class=600

# Pass 1: mean, covariance, the two leading eigenvectors and the share of
# variance each explains; pass 2 (same awk, second file): project.
awk -F, -v per="$per_class" -v out="$out.pca.csv" '
    FNR == 1 { next }
    NR == FNR {
        n++; d = NF - 1
        cnt[$1]++
        for (i = 2; i <= NF; i++) { x[i - 1] = $i; s[i - 1] += $i }
        for (i = 1; i <= d; i++) for (j = i; j <= d; j++) c[i, j] += x[i] * x[j]
        next
    }
    !ready {
        if (n < 2) { print "plot-latents: fewer than 2 codes" > "/dev/stderr"; exit 1 }
        for (i = 1; i <= d; i++) m[i] = s[i] / n
        tr = 0
        for (i = 1; i <= d; i++) for (j = i; j <= d; j++) {
            v = (c[i, j] - n * m[i] * m[j]) / (n - 1); C[i, j] = v; C[j, i] = v
        }
        for (i = 1; i <= d; i++) tr += C[i, i]
        for (e = 1; e <= 2; e++) {
            for (i = 1; i <= d; i++) v0[i] = 1 + i / (d + 1.0)  # not orthogonal to anything useful
            for (it = 0; it < 500; it++) {
                norm = 0
                for (i = 1; i <= d; i++) { w[i] = 0; for (j = 1; j <= d; j++) w[i] += C[i, j] * v0[j]; norm += w[i] * w[i] }
                norm = sqrt(norm); if (norm == 0) break
                for (i = 1; i <= d; i++) v0[i] = w[i] / norm
            }
            lam[e] = norm
            for (i = 1; i <= d; i++) V[e, i] = v0[i]
            # deflate: C -= lambda v v^T
            for (i = 1; i <= d; i++) for (j = 1; j <= d; j++) C[i, j] -= lam[e] * v0[i] * v0[j]
        }
        printf "# class,pc1,pc2 (pc1 %.1f%%, pc2 %.1f%% of the variance)\n", 100 * lam[1] / tr, 100 * lam[2] / tr > out
        share1 = 100 * lam[1] / tr; share2 = 100 * lam[2] / tr
        ready = 1
    }
    {
        k = $1; seen[k]++
        step = cnt[k] > per ? cnt[k] / per : 1
        if ((seen[k] - 1) % step >= 1) next
        p1 = 0; p2 = 0
        for (i = 1; i <= d; i++) { z = $(i + 1) - m[i]; p1 += V[1, i] * z; p2 += V[2, i] * z }
        printf "%s,%.5g,%.5g\n", k, p1, p2 > out
    }
    END { if (ready) printf "%.1f %.1f\n", share1, share2 }
' "$in" "$in" >"$out.shares"
read -r share1 share2 <"$out.shares"
rm -f "$out.shares"
classes=$(awk -F, 'NR > 1 && !($1 in s) { s[$1] = 1; print $1 }' "$out.pca.csv" | sort -n | tr '\n' ' ')

# ten distinguishable colours (Tableau 10), then the point type changes
palette=(1f77b4 ff7f0e 2ca02c d62728 9467bd 8c564b e377c2 7f7f7f bcbd22 17becf)
plot_cmd="plot"
i=0
for k in $classes; do
    plot_cmd+=" '$out.pca.csv' using (\$1 == $k ? \$2 : 1/0):3 with points"
    plot_cmd+=" lc rgb '#${palette[$((i % 10))]}' pt $((7 + 2 * (i / 10))) ps 0.35 title 'class $k',"
    i=$((i + 1))
done
plot_cmd=${plot_cmd%,}
for term in "pngcairo size 900,800 font ',11'" "svg size 900,800 font 'sans,11'"; do
    ext=png
    case $term in svg*) ext=svg ;; esac
    gnuplot <<EOF
set terminal $term
set output '$out.$ext'
set datafile separator ','
set title "$title"
set xlabel 'principal component 1 ($share1% of the variance)'
set ylabel 'principal component 2 ($share2% of the variance)'
set key outside right top title 'class'
set grid
$plot_cmd
EOF
done
echo "plot-latents: wrote $out.png, $out.svg ($share1% + $share2% of the variance)"
