# close_runs.awk -- compare two train_steps outputs whose summation orders
# differ (e.g. SIMD widths 8 and 16): every step's loss and gradient norm
# must agree within a relative tolerance (and both runs must have the same
# steps). Prints the largest relative differences; exits 1 on a failure.
#   awk -v tol=1e-4 -f tests/simd/close_runs.awk a.txt b.txt
function num(s) { gsub(/[()]/, "", s); return s + 0 }
function rel(x, y) { return (x == y) ? 0 : (x - y < 0 ? y - x : x - y) / ((x < 0 ? -x : x) > (y < 0 ? -y : y) ? (x < 0 ? -x : x) : (y < 0 ? -y : y)) }
FNR == 1 { file++ }
$1 == "step" {
    if (file == 1) { loss[$2] = num($5); gn[$2] = num($8); n1++ }
    else {
        n2++
        if (!($2 in loss)) { print "step " $2 " only in the second run"; bad = 1; next }
        dl = rel(loss[$2], num($5)); dg = rel(gn[$2], num($8))
        if (dl > ml) ml = dl
        if (dg > mg) mg = dg
        if (dl > tol || dg > tol) { print "step " $2 ": loss " loss[$2] " vs " num($5) ", grad_norm " gn[$2] " vs " num($8); bad = 1 }
    }
}
END {
    if (n1 != n2 || n1 == 0) { print "step counts differ or are zero: " n1 " vs " n2; bad = 1 }
    printf "max relative difference over %d steps: loss %.2e, grad_norm %.2e (tolerance %g)\n", n1, ml, mg, tol
    exit bad
}
