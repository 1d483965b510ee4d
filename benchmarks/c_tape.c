/* A reverse-mode tape in plain C: the floor a scalar engine is measured against.

   Reads the op chain benchmarks/c_tape.py writes (leaves, then one op per line of the
   tape), runs forward and backward REPEATS times, and prints the median ns per op of
   each as JSON; the leaves' gradients of the last backward go to the output file, so
   the Python side can check that both engines computed the same thing.

   usage: c_tape SPEC OUT REPEATS */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { ADD, SUB, MUL, TANH, NEG };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int by_value(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median(double *xs, int n) {
    qsort(xs, n, sizeof *xs, by_value);
    return xs[n / 2];
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s SPEC OUT REPEATS\n", argv[0]);
        return 2;
    }
    FILE *spec = fopen(argv[1], "rb");
    int head[2]; /* leaves, ops */
    if (!spec || fread(head, sizeof(int), 2, spec) != 2) {
        fprintf(stderr, "c_tape: cannot read %s\n", argv[1]);
        return 1;
    }
    int leaves = head[0], ops = head[1], n = leaves + ops, repeats = atoi(argv[3]);
    double *val = malloc(n * sizeof *val), *grad = malloc(n * sizeof *grad);
    int *code = malloc(ops * sizeof *code), *a = malloc(ops * sizeof *a);
    int *b = malloc(ops * sizeof *b);
    double *fwd = malloc(repeats * sizeof *fwd), *bwd = malloc(repeats * sizeof *bwd);
    if (fread(val, sizeof *val, leaves, spec) != (size_t)leaves ||
        fread(code, sizeof *code, ops, spec) != (size_t)ops ||
        fread(a, sizeof *a, ops, spec) != (size_t)ops ||
        fread(b, sizeof *b, ops, spec) != (size_t)ops) {
        fprintf(stderr, "c_tape: %s is short\n", argv[1]);
        return 1;
    }
    fclose(spec);
    for (int r = 0; r < repeats; r++) {
        double start = now();
        for (int k = 0; k < ops; k++) {
            double x = val[a[k]], y = val[b[k]], out;
            switch (code[k]) {
            case ADD: out = x + y; break;
            case SUB: out = x - y; break;
            case MUL: out = x * y; break;
            case TANH: out = tanh(x); break;
            default: out = -x;
            }
            val[leaves + k] = out;
        }
        double middle = now();
        for (int i = 0; i < n; i++) grad[i] = 0.0;
        grad[n - 1] = 1.0;
        for (int k = ops - 1; k >= 0; k--) {
            double g = grad[leaves + k];
            switch (code[k]) {
            case ADD: grad[a[k]] += g; grad[b[k]] += g; break;
            case SUB: grad[a[k]] += g; grad[b[k]] -= g; break;
            case MUL: grad[a[k]] += val[b[k]] * g; grad[b[k]] += val[a[k]] * g; break;
            case TANH: { double t = val[leaves + k]; grad[a[k]] += (1.0 - t * t) * g; break; }
            default: grad[a[k]] -= g;
            }
        }
        double end = now();
        fwd[r] = (middle - start) / ops * 1e9;
        bwd[r] = (end - middle) / ops * 1e9;
    }
    FILE *out = fopen(argv[2], "wb");
    if (!out || fwrite(grad, sizeof *grad, leaves, out) != (size_t)leaves) {
        fprintf(stderr, "c_tape: cannot write %s\n", argv[2]);
        return 1;
    }
    fclose(out);
    printf("{\"forward ns\": %.3f, \"backward ns\": %.3f, \"root\": %.17g}\n",
           median(fwd, repeats), median(bwd, repeats), val[n - 1]);
    return 0;
}
