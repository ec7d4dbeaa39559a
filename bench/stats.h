/*
 * bench/stats.h: the statistics both benchmark programs report (header only).
 */
#ifndef TERMINUS_BENCH_STATS_H
#define TERMINUS_BENCH_STATS_H

#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of v[0..n), nearest rank; sorts v. */
static inline double quantile(double *v, int n, double q)
{
    int k;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    k = (int)(q * n + 0.999999) - 1;
    if (k < 0)
        k = 0;
    if (k >= n)
        k = n - 1;
    return v[k];
}

/* The median of v[0..n); sorts v. */
static inline double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
