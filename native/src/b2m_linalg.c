/*
 * b2m_linalg: a small N-API addon over the system's OpenBLAS (CBLAS) and LAPACKE.
 *
 * Every array is a JavaScript Float32Array or Float64Array, used in place (zero
 * copy), ROW-MAJOR and dense. Row-major calls go to CBLAS's CblasRowMajor; LAPACK
 * routines are called in column-major on the row-major buffer, which is the
 * transpose (see each routine for the identity used), so LAPACKE never copies.
 *
 * Long calls are napi async work on libuv's thread pool: the JavaScript thread
 * stays free; references to the typed arrays are held until the work completes.
 * A global read-write lock orders BLAS/LAPACK calls. With several OpenBLAS threads a
 * call takes it exclusively: OpenBLAS already spreads one call over every thread it is
 * given, and concurrent calls would only thrash. With one thread (the pipeline's jobs:
 * parallel across jobs, not inside one) calls take it shared and run side by side, one
 * per caller thread; OpenBLAS's threaded build is safe for that. Changing the thread
 * count takes it exclusively, so the count cannot change under a running call.
 *
 * The JavaScript side (src/linalg/checked.ts) validates shapes and values; this
 * file re-checks array lengths and types so that a bug there cannot corrupt memory.
 */
#define NAPI_VERSION 8
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Declared here rather than trusting cblas.h: on Debian that header is an
 * alternative that may come from reference BLAS, which lacks these. We link
 * libopenblas explicitly. */
extern void openblas_set_num_threads(int num_threads);
extern int openblas_get_num_threads(void);
extern int openblas_get_num_procs(void);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

static pthread_rwlock_t blas_lock = PTHREAD_RWLOCK_INITIALIZER;

/* Takes blas_lock for one call: shared when OpenBLAS runs on one thread, else exclusive. */
static void lock_for_call(void) {
  pthread_rwlock_rdlock(&blas_lock);
  if (openblas_get_num_threads() == 1) return;
  pthread_rwlock_unlock(&blas_lock);
  pthread_rwlock_wrlock(&blas_lock);
}

#define MAX_ARRAYS 5

typedef enum { OP_GEMM, OP_SYRK, OP_SYEVD, OP_POTRF, OP_POTRS, OP_GESDD } op_t;

typedef struct {
  op_t op;
  int f64;
  int transA, transB;
  lapack_int m, n, k;
  double alpha, beta;
  void *a[MAX_ARRAYS];
  napi_ref refs[MAX_ARRAYS];
  int nrefs;
  lapack_int info;
  char err[256];
  napi_deferred deferred;
  napi_async_work work;
} job_t;

/* ---------- argument helpers ---------- */

#define CHECK(env, call)                                                  \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      napi_throw_error((env), "B2M_NATIVE", "napi call failed: " #call); \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

static int arg_bool(napi_env env, napi_value v, int *out) {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a boolean");
    return 0;
  }
  *out = b ? 1 : 0;
  return 1;
}

static int arg_dim(napi_env env, napi_value v, lapack_int *out) {
  int64_t x;
  if (napi_get_value_int64(env, v, &x) != napi_ok || x < 1 || x > INT32_MAX) {
    napi_throw_range_error(env, NULL, "expected a dimension between 1 and 2^31-1");
    return 0;
  }
  *out = (lapack_int)x;
  return 1;
}

static int arg_double(napi_env env, napi_value v, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok || !isfinite(*out)) {
    napi_throw_type_error(env, NULL, "expected a finite number");
    return 0;
  }
  return 1;
}

/* A Float32Array/Float64Array of at least `need` elements; sets/checks *f64. */
static int arg_array(napi_env env, napi_value v, size_t need, int *f64, void **data) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) {
    napi_throw_type_error(env, NULL, "expected a Float32Array or Float64Array");
    return 0;
  }
  napi_typedarray_type type;
  size_t length;
  if (napi_get_typedarray_info(env, v, &type, &length, data, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "cannot read the typed array");
    return 0;
  }
  int is64;
  if (type == napi_float64_array) is64 = 1;
  else if (type == napi_float32_array) is64 = 0;
  else {
    napi_throw_type_error(env, NULL, "expected a Float32Array or Float64Array");
    return 0;
  }
  if (*f64 < 0) *f64 = is64;
  else if (*f64 != is64) {
    napi_throw_type_error(env, NULL, "all arrays of one call must share a dtype");
    return 0;
  }
  if (length < need) {
    char msg[160];
    snprintf(msg, sizeof msg, "typed array has %zu elements, the call needs %zu", length, need);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static int hold(napi_env env, job_t *job, napi_value v) {
  if (napi_create_reference(env, v, 1, &job->refs[job->nrefs]) != napi_ok) return 0;
  job->nrefs++;
  return 1;
}

/* ---------- the work, off the JavaScript thread ---------- */

/* Copies the lower triangle of a row-major n × n matrix to the upper one (blocked). */
#define MIRROR_LOWER(T)                                                 \
  static void mirror_lower_##T(T *c, lapack_int n) {                    \
    const lapack_int B = 64;                                            \
    for (lapack_int i0 = 0; i0 < n; i0 += B)                            \
      for (lapack_int j0 = 0; j0 <= i0; j0 += B)                        \
        for (lapack_int i = i0; i < i0 + B && i < n; i++)               \
          for (lapack_int j = j0; j < j0 + B && j < i; j++)             \
            c[(size_t)j * n + i] = c[(size_t)i * n + j];                \
  }
MIRROR_LOWER(float)
MIRROR_LOWER(double)

/* In-place transpose of a square n × n matrix (blocked). */
#define TRANSPOSE_SQUARE(T)                                             \
  static void transpose_square_##T(T *a, lapack_int n) {                \
    const lapack_int B = 64;                                            \
    for (lapack_int i0 = 0; i0 < n; i0 += B)                            \
      for (lapack_int j0 = 0; j0 <= i0; j0 += B)                        \
        for (lapack_int i = i0; i < i0 + B && i < n; i++)               \
          for (lapack_int j = j0; j < j0 + B && j < i; j++) {           \
            T t = a[(size_t)i * n + j];                                 \
            a[(size_t)i * n + j] = a[(size_t)j * n + i];                \
            a[(size_t)j * n + i] = t;                                   \
          }                                                             \
  }
TRANSPOSE_SQUARE(float)
TRANSPOSE_SQUARE(double)

/* LAPACK reports workspace sizes in a floating-point variable; in float32 a size
 * above 2^24 is rounded, possibly DOWN, and the real call then rejects it
 * ("parameter 8 illegal" in ssyevd at n ≈ 4000). Round up with a margin. */
static lapack_int work_size(double queried, double at_least) {
  double w = ceil(queried * (1.0 + 1e-6)) + 16.0;
  if (w < at_least) w = at_least;
  if (w > (double)INT32_MAX) w = (double)INT32_MAX;
  return (lapack_int)w;
}

static void run_syevd(job_t *j) {
  lapack_int n = j->n;
  /* Row-major lower triangle = column-major upper triangle ('U'). */
  double nn = (double)n;
  double lw_min = n > 1 ? 1.0 + 6.0 * nn + 2.0 * nn * nn : 1.0;
  double liw_min = n > 1 ? 3.0 + 5.0 * nn : 1.0;
  lapack_int liwork, lwork, iq = 0;
  void *work = NULL;
  lapack_int *iwork = NULL;
  if (j->f64) {
    double q = 0;
    j->info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'U', n, j->a[0], n, j->a[1], &q, -1, &iq, -1);
    if (j->info != 0) return;
    lwork = work_size(q, lw_min);
    liwork = work_size((double)iq, liw_min);
    work = malloc(sizeof(double) * (size_t)lwork);
    iwork = malloc(sizeof(lapack_int) * (size_t)liwork);
    if (work && iwork)
      j->info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'U', n, j->a[0], n, j->a[1], work, lwork, iwork, liwork);
  } else {
    float q = 0;
    j->info = LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, 'V', 'U', n, j->a[0], n, j->a[1], &q, -1, &iq, -1);
    if (j->info != 0) return;
    lwork = work_size((double)q, lw_min);
    liwork = work_size((double)iq, liw_min);
    work = malloc(sizeof(float) * (size_t)lwork);
    iwork = malloc(sizeof(lapack_int) * (size_t)liwork);
    if (work && iwork)
      j->info = LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, 'V', 'U', n, j->a[0], n, j->a[1], work, lwork, iwork, liwork);
  }
  if (!work || !iwork) snprintf(j->err, sizeof j->err, "out of memory for the eigensolver workspace (n = %d)", (int)n);
  free(work);
  free(iwork);
  /* LAPACK wrote eigenvector k as column k in column-major = row k row-major;
   * transpose so that the row-major result has them as columns. */
  if (j->info == 0 && !j->err[0]) {
    if (j->f64) transpose_square_double(j->a[0], n);
    else transpose_square_float(j->a[0], n);
  }
}

static void run_potrf(job_t *j) {
  lapack_int n = j->n;
  /* Column-major upper U with A = Uᵀ·U is, read row-major, the lower L = Uᵀ. */
  if (j->f64) {
    double *a = j->a[0];
    j->info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', n, a, n);
    for (lapack_int i = 0; i < n; i++) memset(a + (size_t)i * n + i + 1, 0, sizeof(double) * (size_t)(n - i - 1));
  } else {
    float *a = j->a[0];
    j->info = LAPACKE_spotrf_work(LAPACK_COL_MAJOR, 'U', n, a, n);
    for (lapack_int i = 0; i < n; i++) memset(a + (size_t)i * n + i + 1, 0, sizeof(float) * (size_t)(n - i - 1));
  }
}

static void run_gesdd(job_t *j) {
  /* Row-major A (m × n) is column-major Aᵀ (n × m). With Aᵀ = U'·S·V'ᵀ we have
   * A = V'·S·U'ᵀ, and the buffers line up with no copy: LAPACK's U' (n × k,
   * column-major, ld n) is our Vt (k × n row-major), and LAPACK's V'ᵀ (k × m,
   * column-major, ld k) is our U (m × k row-major). */
  lapack_int m = j->m, n = j->n;
  lapack_int k = m < n ? m : n;
  lapack_int mx = m < n ? n : m;
  double lw_min = 4.0 * k * (double)k + 7.0 * k + mx;
  lapack_int *iwork = malloc(sizeof(lapack_int) * 8 * (size_t)k);
  void *work = NULL;
  if (!iwork) goto oom;
  if (j->f64) {
    double q = 0;
    j->info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', n, m, j->a[0], n, j->a[1], j->a[3], n, j->a[2], k, &q, -1, iwork);
    if (j->info != 0) goto done;
    lapack_int lwork = work_size(q, lw_min);
    work = malloc(sizeof(double) * (size_t)lwork);
    if (!work) goto oom;
    j->info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', n, m, j->a[0], n, j->a[1], j->a[3], n, j->a[2], k, work, lwork, iwork);
  } else {
    float q = 0;
    j->info = LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, 'S', n, m, j->a[0], n, j->a[1], j->a[3], n, j->a[2], k, &q, -1, iwork);
    if (j->info != 0) goto done;
    lapack_int lwork = work_size((double)q, lw_min);
    work = malloc(sizeof(float) * (size_t)lwork);
    if (!work) goto oom;
    j->info = LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, 'S', n, m, j->a[0], n, j->a[1], j->a[3], n, j->a[2], k, work, lwork, iwork);
  }
  goto done;
oom:
  snprintf(j->err, sizeof j->err, "out of memory for the SVD workspace (%d × %d)", (int)m, (int)n);
done:
  free(work);
  free(iwork);
}

/* L·Lᵀ·X = B: two row-major triangular solves, B overwritten by X. (Measured
 * against transposing B and calling LAPACK's column-major potrs: the same speed,
 * without the n × m scratch buffer.) */
static void run_potrs(job_t *j) {
  if (j->f64) {
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, j->n, j->m, 1.0, j->a[0], j->n,
                j->a[1], j->m);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, j->n, j->m, 1.0, j->a[0], j->n,
                j->a[1], j->m);
  } else {
    cblas_strsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, j->n, j->m, 1.0f, j->a[0], j->n,
                j->a[1], j->m);
    cblas_strsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, j->n, j->m, 1.0f, j->a[0], j->n,
                j->a[1], j->m);
  }
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *j = data;
  lock_for_call();
  switch (j->op) {
    case OP_GEMM: {
      enum CBLAS_TRANSPOSE ta = j->transA ? CblasTrans : CblasNoTrans;
      enum CBLAS_TRANSPOSE tb = j->transB ? CblasTrans : CblasNoTrans;
      lapack_int lda = j->transA ? j->m : j->k;
      lapack_int ldb = j->transB ? j->k : j->n;
      if (j->f64)
        cblas_dgemm(CblasRowMajor, ta, tb, j->m, j->n, j->k, j->alpha, j->a[0], lda, j->a[1], ldb, j->beta, j->a[2], j->n);
      else
        cblas_sgemm(CblasRowMajor, ta, tb, j->m, j->n, j->k, (float)j->alpha, j->a[0], lda, j->a[1], ldb,
                    (float)j->beta, j->a[2], j->n);
      break;
    }
    case OP_SYRK: {
      enum CBLAS_TRANSPOSE t = j->transA ? CblasTrans : CblasNoTrans;
      lapack_int lda = j->transA ? j->n : j->k;
      if (j->f64) {
        cblas_dsyrk(CblasRowMajor, CblasLower, t, j->n, j->k, j->alpha, j->a[0], lda, 0.0, j->a[1], j->n);
        mirror_lower_double(j->a[1], j->n);
      } else {
        cblas_ssyrk(CblasRowMajor, CblasLower, t, j->n, j->k, (float)j->alpha, j->a[0], lda, 0.0f, j->a[1], j->n);
        mirror_lower_float(j->a[1], j->n);
      }
      break;
    }
    case OP_SYEVD:
      run_syevd(j);
      break;
    case OP_POTRF:
      run_potrf(j);
      break;
    case OP_POTRS:
      run_potrs(j);
      break;
    case OP_GESDD:
      run_gesdd(j);
      break;
  }
  pthread_rwlock_unlock(&blas_lock);
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  for (int i = 0; i < j->nrefs; i++) napi_delete_reference(env, j->refs[i]);
  napi_value result;
  if (status != napi_ok || j->err[0]) {
    napi_value msg;
    napi_create_string_utf8(env, j->err[0] ? j->err : "native work was cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &result);
    napi_reject_deferred(env, j->deferred, result);
  } else {
    napi_create_int32(env, (int32_t)j->info, &result);
    napi_resolve_deferred(env, j->deferred, result);
  }
  napi_delete_async_work(env, j->work);
  free(j);
}

/* Queues `job` (whose arrays are argv[first..first+count)) and returns its promise. */
static napi_value queue(napi_env env, job_t *j, napi_value *arrays, int count) {
  for (int i = 0; i < count; i++) {
    if (!hold(env, j, arrays[i])) {
      for (int r = 0; r < j->nrefs; r++) napi_delete_reference(env, j->refs[r]);
      free(j);
      napi_throw_error(env, NULL, "cannot reference the typed arrays");
      return NULL;
    }
  }
  napi_value promise, name;
  napi_create_promise(env, &j->deferred, &promise);
  napi_create_string_utf8(env, "b2m_linalg", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, j, &j->work);
  napi_queue_async_work(env, j->work);
  return promise;
}

static job_t *new_job(napi_env env, op_t op) {
  job_t *j = calloc(1, sizeof(job_t));
  if (!j) napi_throw_error(env, NULL, "out of memory");
  else {
    j->op = op;
    j->f64 = -1;
  }
  return j;
}

#define GET_ARGS(N)                                                        \
  size_t argc = N;                                                         \
  napi_value argv[N];                                                      \
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));       \
  if (argc < N) {                                                          \
    napi_throw_type_error(env, NULL, "expected " #N " arguments");         \
    return NULL;                                                           \
  }

#define FAIL_IF(cond) \
  if (!(cond)) {      \
    free(j);          \
    return NULL;      \
  }

/* gemm(transA, transB, m, n, k, alpha, A, B, beta, C) */
static napi_value js_gemm(napi_env env, napi_callback_info info) {
  GET_ARGS(10);
  job_t *j = new_job(env, OP_GEMM);
  if (!j) return NULL;
  FAIL_IF(arg_bool(env, argv[0], &j->transA) && arg_bool(env, argv[1], &j->transB));
  FAIL_IF(arg_dim(env, argv[2], &j->m) && arg_dim(env, argv[3], &j->n) && arg_dim(env, argv[4], &j->k));
  FAIL_IF(arg_double(env, argv[5], &j->alpha) && arg_double(env, argv[8], &j->beta));
  size_t m = j->m, n = j->n, k = j->k;
  FAIL_IF(arg_array(env, argv[6], m * k, &j->f64, &j->a[0]));
  FAIL_IF(arg_array(env, argv[7], k * n, &j->f64, &j->a[1]));
  FAIL_IF(arg_array(env, argv[9], m * n, &j->f64, &j->a[2]));
  napi_value arrays[3] = {argv[6], argv[7], argv[9]};
  return queue(env, j, arrays, 3);
}

/* syrk(trans, n, k, alpha, A, C) */
static napi_value js_syrk(napi_env env, napi_callback_info info) {
  GET_ARGS(6);
  job_t *j = new_job(env, OP_SYRK);
  if (!j) return NULL;
  FAIL_IF(arg_bool(env, argv[0], &j->transA));
  FAIL_IF(arg_dim(env, argv[1], &j->n) && arg_dim(env, argv[2], &j->k) && arg_double(env, argv[3], &j->alpha));
  size_t n = j->n, k = j->k;
  FAIL_IF(arg_array(env, argv[4], n * k, &j->f64, &j->a[0]));
  FAIL_IF(arg_array(env, argv[5], n * n, &j->f64, &j->a[1]));
  napi_value arrays[2] = {argv[4], argv[5]};
  return queue(env, j, arrays, 2);
}

/* syevd(n, A, w) */
static napi_value js_syevd(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  job_t *j = new_job(env, OP_SYEVD);
  if (!j) return NULL;
  FAIL_IF(arg_dim(env, argv[0], &j->n));
  size_t n = j->n;
  FAIL_IF(arg_array(env, argv[1], n * n, &j->f64, &j->a[0]));
  FAIL_IF(arg_array(env, argv[2], n, &j->f64, &j->a[1]));
  napi_value arrays[2] = {argv[1], argv[2]};
  return queue(env, j, arrays, 2);
}

/* potrf(n, A) */
static napi_value js_potrf(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  job_t *j = new_job(env, OP_POTRF);
  if (!j) return NULL;
  FAIL_IF(arg_dim(env, argv[0], &j->n));
  size_t n = j->n;
  FAIL_IF(arg_array(env, argv[1], n * n, &j->f64, &j->a[0]));
  napi_value arrays[1] = {argv[1]};
  return queue(env, j, arrays, 1);
}

/* potrs(n, m, L, B) */
static napi_value js_potrs(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  job_t *j = new_job(env, OP_POTRS);
  if (!j) return NULL;
  FAIL_IF(arg_dim(env, argv[0], &j->n) && arg_dim(env, argv[1], &j->m));
  size_t n = j->n, m = j->m;
  FAIL_IF(arg_array(env, argv[2], n * n, &j->f64, &j->a[0]));
  FAIL_IF(arg_array(env, argv[3], n * m, &j->f64, &j->a[1]));
  napi_value arrays[2] = {argv[2], argv[3]};
  return queue(env, j, arrays, 2);
}

/* gesdd(m, n, A, s, U, Vt) */
static napi_value js_gesdd(napi_env env, napi_callback_info info) {
  GET_ARGS(6);
  job_t *j = new_job(env, OP_GESDD);
  if (!j) return NULL;
  FAIL_IF(arg_dim(env, argv[0], &j->m) && arg_dim(env, argv[1], &j->n));
  size_t m = j->m, n = j->n, k = m < n ? m : n;
  FAIL_IF(arg_array(env, argv[2], m * n, &j->f64, &j->a[0]));
  FAIL_IF(arg_array(env, argv[3], k, &j->f64, &j->a[1]));
  FAIL_IF(arg_array(env, argv[4], m * k, &j->f64, &j->a[2]));
  FAIL_IF(arg_array(env, argv[5], k * n, &j->f64, &j->a[3]));
  napi_value arrays[4] = {argv[2], argv[3], argv[4], argv[5]};
  return queue(env, j, arrays, 4);
}

/* firstNonFinite(a): index of the first NaN/±Inf, or -1. Synchronous: it is a
 * memory-bound scan, done in chunks with integer tests on the exponent bits so
 * that the compiler vectorises the common all-finite case. */
#define SCAN_NON_FINITE(NAME, U, MASK)                                  \
  static int64_t NAME(const U *u, size_t length) {                     \
    const size_t CHUNK = 4096;                                          \
    for (size_t c0 = 0; c0 < length; c0 += CHUNK) {                     \
      size_t c1 = c0 + CHUNK < length ? c0 + CHUNK : length;           \
      U any = 0;                                                        \
      for (size_t i = c0; i < c1; i++) any |= ((u[i] & MASK) == MASK);  \
      if (any)                                                          \
        for (size_t i = c0; i < c1; i++)                                \
          if ((u[i] & MASK) == MASK) return (int64_t)i;                 \
    }                                                                   \
    return -1;                                                          \
  }
SCAN_NON_FINITE(scan_f64, uint64_t, 0x7ff0000000000000ULL)
SCAN_NON_FINITE(scan_f32, uint32_t, 0x7f800000U)

static napi_value js_first_non_finite(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  int f64 = -1;
  void *data;
  if (!arg_array(env, argv[0], 0, &f64, &data)) return NULL;
  size_t length;
  napi_typedarray_type type;
  CHECK(env, napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL));
  int64_t found = f64 ? scan_f64(data, length) : scan_f32(data, length);
  napi_value result;
  CHECK(env, napi_create_int64(env, found, &result));
  return result;
}

/* maxAbs(a): max |a_i| (0 for an empty array). A tight loop the compiler can vectorise. */
#define MAX_ABS(T, ABS)                                        \
  static T max_abs_##T(const T *a, size_t len) {               \
    T m = 0;                                                   \
    for (size_t t = 0; t < len; t++) {                         \
      T v = ABS(a[t]);                                         \
      m = v > m ? v : m;                                       \
    }                                                          \
    return m;                                                  \
  }
MAX_ABS(float, fabsf)
MAX_ABS(double, fabs)

static napi_value js_max_abs(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  int f64 = -1;
  void *data;
  if (!arg_array(env, argv[0], 0, &f64, &data)) return NULL;
  size_t length;
  napi_typedarray_type type;
  CHECK(env, napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL));
  double m = f64 ? max_abs_double(data, length) : (double)max_abs_float(data, length);
  napi_value result;
  CHECK(env, napi_create_double(env, m, &result));
  return result;
}

/* firstAsymmetric(n, a, tol): flat index i*n + j (i > j) of an entry with
 * |a_ij - a_ji| > tol, or -1. Blocked so the transposed walk stays in cache.
 * Synchronous: O(n²) against the O(n³) call it guards. */
#define FIRST_ASYMMETRIC(T, ABS)                                                   \
  static int64_t first_asymmetric_##T(const T *a, size_t n, double tol) {         \
    const size_t B = 64;                                                           \
    for (size_t i0 = 0; i0 < n; i0 += B)                                           \
      for (size_t j0 = 0; j0 <= i0; j0 += B)                                       \
        for (size_t i = i0; i < i0 + B && i < n; i++)                              \
          for (size_t j = j0; j < j0 + B && j < i; j++)                            \
            if ((double)ABS(a[i * n + j] - a[j * n + i]) > tol) return (int64_t)(i * n + j); \
    return -1;                                                                     \
  }
FIRST_ASYMMETRIC(float, fabsf)
FIRST_ASYMMETRIC(double, fabs)

static napi_value js_first_asymmetric(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  lapack_int n;
  double tol;
  int f64 = -1;
  void *data;
  if (!arg_dim(env, argv[0], &n) || !arg_double(env, argv[2], &tol)) return NULL;
  if (!arg_array(env, argv[1], (size_t)n * (size_t)n, &f64, &data)) return NULL;
  int64_t found = f64 ? first_asymmetric_double(data, (size_t)n, tol) : first_asymmetric_float(data, (size_t)n, tol);
  napi_value result;
  CHECK(env, napi_create_int64(env, found, &result));
  return result;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  lapack_int n;
  if (!arg_dim(env, argv[0], &n)) return NULL;
  pthread_rwlock_wrlock(&blas_lock);
  openblas_set_num_threads((int)n);
  pthread_rwlock_unlock(&blas_lock);
  return NULL;
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, v;
  CHECK(env, napi_create_object(env, &obj));
  const char *config = openblas_get_config();
  const char *core = openblas_get_corename();
  CHECK(env, napi_create_string_utf8(env, config ? config : "", NAPI_AUTO_LENGTH, &v));
  CHECK(env, napi_set_named_property(env, obj, "config", v));
  CHECK(env, napi_create_string_utf8(env, core ? core : "", NAPI_AUTO_LENGTH, &v));
  CHECK(env, napi_set_named_property(env, obj, "corename", v));
  CHECK(env, napi_create_int32(env, openblas_get_num_threads(), &v));
  CHECK(env, napi_set_named_property(env, obj, "threads", v));
  CHECK(env, napi_create_int32(env, openblas_get_num_procs(), &v));
  CHECK(env, napi_set_named_property(env, obj, "procs", v));
  return obj;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"firstNonFinite", NULL, js_first_non_finite, NULL, NULL, NULL, napi_default, NULL},
      {"firstAsymmetric", NULL, js_first_asymmetric, NULL, NULL, NULL, napi_default, NULL},
      {"maxAbs", NULL, js_max_abs, NULL, NULL, NULL, napi_default, NULL},
      {"gemm", NULL, js_gemm, NULL, NULL, NULL, napi_default, NULL},
      {"syrk", NULL, js_syrk, NULL, NULL, NULL, napi_default, NULL},
      {"syevd", NULL, js_syevd, NULL, NULL, NULL, napi_default, NULL},
      {"potrf", NULL, js_potrf, NULL, NULL, NULL, napi_default, NULL},
      {"potrs", NULL, js_potrs, NULL, NULL, NULL, napi_default, NULL},
      {"gesdd", NULL, js_gesdd, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
