package io.choreoscope.model.flow;

import java.util.Arrays;
import java.util.List;

/**
 * A latency distribution that merges exactly: the bins of the engine's DDSketch (sketches-java
 * {@code DDSketches.collapsingLowestDense}: a cubically interpolated logarithmic index mapping and a dense store that
 * collapses its lowest bins beyond {@code maxBins}), as plain numbers. Merging adds counts per bin index, and
 * collapses the lowest bins into one when more than {@code maxBins} would remain, as the sketch's store does; the
 * merge of sketches of disjoint samples is therefore the sketch of all the samples, bin for bin.
 *
 * <p>{@link #quantile} answers what the engine's {@code DDSketch.getValueAtQuantile} answers for the same bins, to
 * the bit (the value of a bin is computed with the same arithmetic as the sketch's mapping; inference tests check
 * this on random samples), so percentiles of merged sketches equal those of one sketch of every sample: within 1%
 * relative of the exact percentile while the lowest bins have not collapsed over it.
 *
 * <p>Bounded: at most {@code maxBins} counts (a longer {@code counts} is collapsed on construction, as the store
 * would), so a stored sketch is at most {@code maxBins} numbers. Bad input (non-finite mapping, {@code gamma <= 1},
 * negative counts, {@code maxBins} outside 1..65536) is rejected with {@link IllegalArgumentException}.
 *
 * @param gamma       the mapping's base: bin {@code i} holds values near {@code gamma^(i - indexOffset)} (as the
 *                    sketch's protobuf encoding names it)
 * @param indexOffset the mapping's index offset
 * @param maxBins     the store's bound: at most this many bins
 * @param zeroCount   samples of 0 ms
 * @param minIndex    the bin index of {@code counts[0]}
 * @param counts      samples per bin, from {@code minIndex} upwards (leading and trailing empty bins are trimmed)
 */
public record LatencySketch(double gamma, double indexOffset, int maxBins, long zeroCount, int minIndex,
                            long[] counts) {

    /** The most bins a sketch may keep, whatever it says: bounds memory and JSON of hostile or corrupt rows. */
    public static final int MAX_BINS_LIMIT = 1 << 16;

    // The cubic interpolation of the sketch's CubicallyInterpolatedMapping: log2 approximated on each power of two by
    // A s^3 + B s^2 + C s (s = significand - 1, A = 6/35), and its exact inverse (Cardano). The literals are the
    // sketch's own (3A = 0.5142857142857142), so that a bin's value is computed with the same arithmetic.
    private static final double B = -0.6;
    private static final double C = 1.4285714285714286;
    private static final double CORRECTING_FACTOR = 1 / (C * Math.log(2.0));
    private static final long SIGNIFICAND_MASK = 0x000fffffffffffffL;
    private static final long EXPONENT_MASK = 0x7ff0000000000000L;

    public LatencySketch {
        if (!(gamma > 1) || Double.isInfinite(gamma) || !Double.isFinite(indexOffset)) {
            throw new IllegalArgumentException("a latency sketch needs a finite gamma > 1 and a finite index offset");
        }
        if (maxBins < 1 || maxBins > MAX_BINS_LIMIT) {
            throw new IllegalArgumentException("a latency sketch keeps 1 to " + MAX_BINS_LIMIT + " bins, not " + maxBins);
        }
        if (zeroCount < 0 || counts == null) {
            throw new IllegalArgumentException("a latency sketch needs a zero count >= 0 and bin counts");
        }
        for (long c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("a latency sketch's bin counts are >= 0");
            }
        }
        if ((long) minIndex + counts.length - 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a latency sketch's bins end beyond the largest index");
        }
        int first = 0;
        int last = counts.length - 1;
        while (first <= last && counts[first] == 0) {
            first++;
        }
        while (last >= first && counts[last] == 0) {
            last--;
        }
        if (first > last) {
            minIndex = 0;
            counts = new long[0];
        } else {
            int lo = minIndex + first;
            int hi = minIndex + last;
            int floor = (int) Math.max(lo, (long) hi - maxBins + 1); // the store keeps the highest maxBins indexes
            long[] kept = new long[hi - floor + 1];
            for (int i = first; i <= last; i++) {
                kept[Math.max(minIndex + i, floor) - floor] += counts[i];
            }
            minIndex = floor;
            counts = kept;
        }
    }

    /**
     * The parameters the sketch's {@code CubicallyInterpolatedMapping(relativeAccuracy)} uses: its gamma, computed as
     * it computes it (index offset 0).
     */
    public static double cubicGamma(double relativeAccuracy) {
        if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
            throw new IllegalArgumentException("the relative accuracy is between 0 and 1, not " + relativeAccuracy);
        }
        return Math.pow((1 + relativeAccuracy) / (1 - relativeAccuracy), 1 / CORRECTING_FACTOR);
    }

    /** An empty sketch with the given mapping and bound. */
    public static LatencySketch empty(double gamma, double indexOffset, int maxBins) {
        return new LatencySketch(gamma, indexOffset, maxBins, 0, 0, new long[0]);
    }

    /** A copy: the record's array is never shared. */
    @Override
    public long[] counts() {
        return counts.clone();
    }

    /** Samples held: the zero count plus every bin's. */
    public long count() {
        long n = zeroCount;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    /** True when both use the same mapping, so their bins mean the same values and can be added. */
    public boolean mergeableWith(LatencySketch other) {
        return Double.compare(gamma, other.gamma) == 0 && Double.compare(indexOffset, other.indexOffset) == 0;
    }

    /**
     * This sketch and {@code other} as one: counts added per bin index, the lowest bins collapsed so that at most the
     * smaller of the two bounds remain. The result is the sketch of both samples, as if one sketch had taken them all.
     *
     * @throws IllegalArgumentException when the mappings differ ({@link #mergeableWith})
     */
    public LatencySketch merge(LatencySketch other) {
        if (!mergeableWith(other)) {
            throw new IllegalArgumentException("latency sketches with different index mappings do not merge");
        }
        int bound = Math.min(maxBins, other.maxBins);
        if (other.counts.length == 0 || counts.length == 0) {
            LatencySketch bins = counts.length == 0 ? other : this;
            return new LatencySketch(gamma, indexOffset, bound, zeroCount + other.zeroCount, bins.minIndex, bins.counts);
        }
        int lo = Math.min(minIndex, other.minIndex);
        int hi = Math.max(minIndex + counts.length - 1, other.minIndex + other.counts.length - 1);
        int floor = (int) Math.max(lo, (long) hi - bound + 1);
        long[] sum = new long[hi - floor + 1];
        for (LatencySketch s : List.of(this, other)) {
            for (int i = 0; i < s.counts.length; i++) {
                sum[Math.max(s.minIndex + i, floor) - floor] += s.counts[i];
            }
        }
        return new LatencySketch(gamma, indexOffset, bound, zeroCount + other.zeroCount, floor, sum);
    }

    /** The merge of every sketch ({@link #merge}); null for an empty list. */
    public static LatencySketch mergeAll(List<LatencySketch> sketches) {
        LatencySketch out = null;
        for (LatencySketch s : sketches) {
            out = out == null ? s : out.merge(s);
        }
        return out;
    }

    /**
     * The value at quantile {@code q} (0..1), in ms, as {@code DDSketch.getValueAtQuantile} answers: the value of the
     * bin holding the sample of rank {@code q * (count - 1)}, 0 for the zero bin. NaN when the sketch is empty.
     */
    public double quantile(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("a quantile is between 0 and 1, not " + q);
        }
        double count = count();
        if (count == 0) {
            return Double.NaN;
        }
        double rank = q * (count - 1);
        double n = zeroCount;
        if (n > rank) {
            return 0;
        }
        for (int i = 0; i < counts.length; i++) {
            if ((n += counts[i]) > rank) {
                return value(minIndex + i);
            }
        }
        return value(minIndex + counts.length - 1); // unreachable: n reaches count - 1 + 1 > rank
    }

    /** The value the sketch answers for bin {@code index}: the bin's lower bound times (1 + relative accuracy). */
    double value(int index) {
        double multiplier = Math.log(2.0) / Math.log1p(gamma - 1);
        double powered = Math.pow(gamma, CORRECTING_FACTOR);
        double relativeAccuracy = (powered - 1) / (powered + 1);
        return logInverse((index - indexOffset) / multiplier) * (1 + relativeAccuracy);
    }

    /** The exact inverse of the cubic log2 approximation. */
    private static double logInverse(double index) {
        long exponent = (long) Math.floor(index);
        double delta0 = -0.37469387755102035; // B^2 - 3AC
        double delta1 = 0.8904489795918369 - 0.7934693877551021 * (index - exponent);
        double cardano = Math.cbrt((delta1 - Math.sqrt(delta1 * delta1 - -0.2104213399518907)) / 2.0);
        double significandPlusOne = -(B + cardano + delta0 / cardano) / 0.5142857142857142 + 1;
        return Double.longBitsToDouble((exponent + 1023) << 52 & EXPONENT_MASK
                | Double.doubleToRawLongBits(significandPlusOne) & SIGNIFICAND_MASK);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencySketch s && Double.compare(gamma, s.gamma) == 0
                && Double.compare(indexOffset, s.indexOffset) == 0 && maxBins == s.maxBins && zeroCount == s.zeroCount
                && minIndex == s.minIndex && Arrays.equals(counts, s.counts);
    }

    @Override
    public int hashCode() {
        return ((Double.hashCode(gamma) * 31 + maxBins) * 31 + Long.hashCode(zeroCount)) * 31 + minIndex * 17
                + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "LatencySketch[gamma=" + gamma + ", indexOffset=" + indexOffset + ", maxBins=" + maxBins + ", zeroCount="
                + zeroCount + ", minIndex=" + minIndex + ", bins=" + counts.length + ", count=" + count() + "]";
    }
}
