// One pass over a recurrence that writes every gate and state as it goes (see rnnviz/onepass.py).
//
// Per step and direction: one GEMV (one GEMM for a batch) for U h_{t-1}, then one fused loop
// over the units that adds the precomputed W x_t and the biases, applies the activations, updates
// the state and writes r z n / i f g o, c and h into the caller's arrays. Sequences are packed
// as torch's PackedSequence is: sorted by length, longest first, so the sequences still running
// at step t are the first batch_sizes[t]; ``order[p]`` is the row (token order) that packed
// position p is written to, so the backward direction and every sequence land in token order.
//
// The matrix products call the BLAS that libtorch_cpu exports (MKL's sgemv_/sgemm_ on x86 CPU
// wheels); where it does not, this file fails to load and the tracer keeps its torch-only path.

#include <torch/extension.h>

#include <cmath>
#include <cstring>
#include <vector>

extern "C" {
void sgemv_(const char*, const int*, const int*, const float*, const float*, const int*,
            const float*, const int*, const float*, float*, const int*);
void dgemv_(const char*, const int*, const int*, const double*, const double*, const int*,
            const double*, const int*, const double*, double*, const int*);
void sgemm_(const char*, const char*, const int*, const int*, const int*, const float*,
            const float*, const int*, const float*, const int*, const float*, float*, const int*);
void dgemm_(const char*, const char*, const int*, const int*, const int*, const double*,
            const double*, const int*, const double*, const int*, const double*, double*,
            const int*);
void vsTanh(const int, const float*, float*);  // MKL's vector math: tanh of n values
void vdTanh(const int, const double*, double*);
}

namespace {

enum Kind { LSTM = 0, GRU = 1 };  // onepass.KINDS

// u (n, gh) = hs (n, h) @ w^T, w row-major (gh, h): column-major that is w^T (h, gh).
void recurrent(const float* w, int gh, int h, const float* hs, int n, float* u) {
  const float one = 1.f, zero = 0.f;
  const int inc = 1;
  if (n == 1) {
    sgemv_("T", &h, &gh, &one, w, &h, hs, &inc, &zero, u, &inc);
  } else {
    sgemm_("T", "N", &gh, &n, &h, &one, w, &h, hs, &h, &zero, u, &gh);
  }
}

void recurrent(const double* w, int gh, int h, const double* hs, int n, double* u) {
  const double one = 1.0, zero = 0.0;
  const int inc = 1;
  if (n == 1) {
    dgemv_("T", &h, &gh, &one, w, &h, hs, &inc, &zero, u, &inc);
  } else {
    dgemm_("T", "N", &gh, &n, &h, &one, w, &h, hs, &h, &zero, u, &gh);
  }
}

inline void tanh_n(int n, float* x) { vsTanh(n, x, x); }
inline void tanh_n(int n, double* x) { vdTanh(n, x, x); }

// Sigmoid as 0.5 * tanh(x / 2) + 0.5 (never overflows): the caller halves the argument, then
// one vector tanh serves every gate of a row, sigmoid and tanh ones alike.
// u (gh) = w (gh, h) @ hs (h) with wt = w^T (h, gh) row-major: a sum of rows of wt, four at a
// time (the compiler vectorises it along gh; u stays in L1). Cheaper than a BLAS call per step
// for one sequence (measured: 0.67-0.85x the time of MKL's sgemv at T >= 100).
template <typename T>
void gemv_rows(const T* wt, int gh, int h, const T* x, T* u) {
  for (int r = 0; r < gh; ++r) u[r] = T(0);
  int k = 0;
  for (; k + 4 <= h; k += 4) {
    const T a0 = x[k], a1 = x[k + 1], a2 = x[k + 2], a3 = x[k + 3];
    const T* w0 = wt + static_cast<int64_t>(k) * gh;
    const T* w1 = w0 + gh;
    const T* w2 = w1 + gh;
    const T* w3 = w2 + gh;
    for (int r = 0; r < gh; ++r) u[r] += a0 * w0[r] + a1 * w1[r] + a2 * w2[r] + a3 * w3[r];
  }
  for (; k < h; ++k) {
    const T a = x[k];
    const T* w0 = wt + static_cast<int64_t>(k) * gh;
    for (int r = 0; r < gh; ++r) u[r] += a * w0[r];
  }
}

template <typename T>
inline void from_half_tanh(int n, T* x) {
  for (int k = 0; k < n; ++k) x[k] = T(0.5) * x[k] + T(0.5);
}

// One direction of one layer over a packed batch.
template <typename T>
void run_direction(int kind, const at::Tensor& wx, const at::Tensor& w_hh,
                   const at::Tensor& w_hh_t, const at::Tensor& b_ih,
                   const at::Tensor& b_hh, const at::Tensor& order, const at::Tensor& batch_sizes,
                   at::Tensor& hs_t, at::Tensor& cs_t, at::Tensor& uh_out, at::Tensor& gates_out,
                   at::Tensor& h_out, at::Tensor& c_out) {
  const int gh = static_cast<int>(w_hh.size(0));
  const int h = static_cast<int>(w_hh.size(1));
  const int steps = static_cast<int>(batch_sizes.size(0));
  const int64_t ld_wx = wx.stride(0), ld_h = h_out.stride(0);
  const int64_t ld_c = c_out.defined() && c_out.numel() ? c_out.stride(0) : 0;
  const T* x = wx.data_ptr<T>();
  const T* w = w_hh.data_ptr<T>();
  const T* wt = w_hh_t.numel() ? w_hh_t.data_ptr<T>() : nullptr;  // W^T: our own GEMV
  const T* bi = b_ih.data_ptr<T>();
  const T* bh = b_hh.data_ptr<T>();
  const int64_t* rows = order.data_ptr<int64_t>();
  const int64_t* sizes = batch_sizes.data_ptr<int64_t>();
  T* hs = hs_t.data_ptr<T>();  // (S, h): the running h of every sequence
  T* cs = kind == LSTM ? cs_t.data_ptr<T>() : nullptr;
  T* uh = uh_out.data_ptr<T>();
  T* gates = gates_out.data_ptr<T>();
  T* hout = h_out.data_ptr<T>();
  T* cout = kind == LSTM ? c_out.data_ptr<T>() : nullptr;
  std::vector<T> u(static_cast<size_t>(gh) * static_cast<size_t>(hs_t.size(0)));
  std::vector<T> bias(gh);
  for (int k = 0; k < gh; ++k) bias[k] = bi[k] + bh[k];
  std::vector<T> scale(gh, T(1));  // LSTM: 1/2 on the sigmoid gates i f o, 1 on g
  if (kind == LSTM) {
    for (int k = 0; k < 2 * h; ++k) scale[k] = T(0.5);
    for (int k = 3 * h; k < 4 * h; ++k) scale[k] = T(0.5);
  }
  int64_t p = 0;
  for (int t = 0; t < steps; ++t) {
    const int n = static_cast<int>(sizes[t]);
    if (n == 1 && wt != nullptr) {
      gemv_rows(wt, gh, h, hs, u.data());
    } else {
      recurrent(w, gh, h, hs, n, u.data());  // U h_{t-1} of the n sequences still running
    }
    for (int j = 0; j < n; ++j, ++p) {
      const int64_t row = rows[p];
      const T* xr = x + row * ld_wx;
      const T* ur = u.data() + static_cast<size_t>(j) * gh;
      T* g = gates + row * gh;
      T* hr = hs + static_cast<int64_t>(j) * h;
      std::memcpy(uh + row * gh, ur, sizeof(T) * gh);
      if (kind == LSTM) {  // i f g o: sigmoid arguments halved, one tanh over the row
        T* cr = cs + static_cast<int64_t>(j) * h;
        for (int k = 0; k < gh; ++k) g[k] = (xr[k] + ur[k] + bias[k]) * scale[k];
        tanh_n(gh, g);
        from_half_tanh(2 * h, g);          // i, f
        from_half_tanh(h, g + 3 * h);      // o
        for (int k = 0; k < h; ++k) cr[k] = g[h + k] * cr[k] + g[k] * g[2 * h + k];
        std::memcpy(hr, cr, sizeof(T) * h);
        tanh_n(h, hr);
        for (int k = 0; k < h; ++k) hr[k] *= g[3 * h + k];
        std::memcpy(cout + row * ld_c, cr, sizeof(T) * h);
      } else {  // GRU: r z n; the reset gate applies after the recurrent product
        for (int k = 0; k < 2 * h; ++k) g[k] = (xr[k] + ur[k] + bias[k]) * T(0.5);
        tanh_n(2 * h, g);
        from_half_tanh(2 * h, g);
        T* n_gate = g + 2 * h;
        const T* r = g;
        for (int k = 0; k < h; ++k)
          n_gate[k] = xr[2 * h + k] + bi[2 * h + k] + r[k] * (ur[2 * h + k] + bh[2 * h + k]);
        tanh_n(h, n_gate);
        const T* z = g + h;
        for (int k = 0; k < h; ++k) hr[k] = (T(1) - z[k]) * n_gate[k] + z[k] * hr[k];
      }
      std::memcpy(hout + row * ld_h, hr, sizeof(T) * h);
    }
  }
}

void check(bool ok, const char* what) { TORCH_CHECK(ok, "onepass: ", what); }

// Every direction of one layer.
void run_layer(int64_t kind, std::vector<at::Tensor> wx, std::vector<at::Tensor> w_hh,
               std::vector<at::Tensor> w_hh_t,
               std::vector<at::Tensor> b_ih, std::vector<at::Tensor> b_hh,
               std::vector<at::Tensor> order, at::Tensor batch_sizes, std::vector<at::Tensor> hs,
               std::vector<at::Tensor> cs, std::vector<at::Tensor> uh, std::vector<at::Tensor> gates,
               std::vector<at::Tensor> h_out, std::vector<at::Tensor> c_out) {
  const size_t dirs = wx.size();
  check(kind == LSTM || kind == GRU, "unknown cell kind");
  check(batch_sizes.scalar_type() == at::kLong && batch_sizes.is_contiguous(), "batch_sizes");
  for (size_t d = 0; d < dirs; ++d) {
    const auto dtype = wx[d].scalar_type();
    check(dtype == at::kFloat || dtype == at::kDouble, "float32 or float64 only");
    for (const at::Tensor* t : {&w_hh[d], &w_hh_t[d], &b_ih[d], &b_hh[d], &hs[d], &uh[d], &gates[d]})
      check(t->is_contiguous() && t->scalar_type() == dtype && t->device().is_cpu(),
            "contiguous CPU tensors of one dtype");
    check(wx[d].stride(1) == 1 && h_out[d].stride(1) == 1, "rows with unit stride");
    check(order[d].scalar_type() == at::kLong && order[d].is_contiguous(), "order");
    if (kind == LSTM) check(cs[d].is_contiguous() && c_out[d].stride(1) == 1, "cell state");
  }
  // Directions one after the other: side by side on 2 threads (at::parallel_for) was measured
  // slower on the cws test split (2.8 s against 2.2 s in this loop), the BLAS already threads.
  for (size_t d = 0; d < dirs; ++d) {
    if (wx[d].scalar_type() == at::kFloat) {
      run_direction<float>(kind, wx[d], w_hh[d], w_hh_t[d], b_ih[d], b_hh[d], order[d],
                           batch_sizes, hs[d], cs[d], uh[d], gates[d], h_out[d], c_out[d]);
    } else {
      run_direction<double>(kind, wx[d], w_hh[d], w_hh_t[d], b_ih[d], b_hh[d], order[d],
                            batch_sizes, hs[d], cs[d], uh[d], gates[d], h_out[d], c_out[d]);
    }
  }
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("run_layer", &run_layer, "every direction of one layer in one pass",
        pybind11::call_guard<pybind11::gil_scoped_release>());
}
