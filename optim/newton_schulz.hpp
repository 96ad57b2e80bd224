#pragma once
// Approximate orthogonalisation of update matrices, the core of Muon.
#include <torch/types.h>

#include <vector>

namespace cog::optim {

// Quintic Newton-Schulz coefficients from Keller Jordan's Muon
// (github.com/KellerJordan/Muon, "Muon: An optimizer for hidden layers", 2024). They are
// chosen to maximise the slope at 0 (a = 3.4445) so small singular values grow fast,
// at the price of not converging to exactly 1: after 5 steps singular values land in
// about [0.68, 1.18] (measured by tests/optim/update_rules_test.cpp) instead of at 1,
// which the Muon authors found does not hurt training. The exception: a singular value
// below ~1.3e-3 of ||G||_F is only amplified ~3.4445^5 = 488x and stays below the band
// (square random matrices have some). Changing the coefficients changes the band.
struct NewtonSchulzCoefficients {
  double a = 3.4445;
  double b = -4.7750;
  double c = 2.0315;
};

// Returns an approximation of U V^T for G = U S V^T, with the shape and dtype of `g`.
// `g` must be 2-D (callers view >=2-D parameters as rows x (rest)). Runs `steps`
// iterations X <- a X + (b A + c A^2) X, A = X X^T, on X = G / (||G||_F + 1e-7) in float32;
// the Frobenius normalisation puts every singular value in (0, 1], inside the region where
// the iteration converges. A tall matrix is transposed first so A is the smaller Gram
// matrix (min(rows, cols)^2 instead of max^2).
torch::Tensor newtonSchulzOrthogonalize(const torch::Tensor& g, int steps = 5,
                                        NewtonSchulzCoefficients coeffs = {});

// The same for several matrices at once, as batched matrix products (one bmm/baddbmm per
// product for the whole batch instead of one mm per matrix): every gs[i] is 2-D and all have
// the same shape up to transposition (r x c or c x r; a tall one is transposed first, as
// above, so it joins the wide ones). Result i is newtonSchulzOrthogonalize(gs[i]) up to float
// rounding (each matrix keeps its own norm), with gs[i]'s shape and dtype.
std::vector<torch::Tensor> newtonSchulzOrthogonalizeBatch(const std::vector<torch::Tensor>& gs, int steps = 5,
                                                          NewtonSchulzCoefficients coeffs = {});

}  // namespace cog::optim
