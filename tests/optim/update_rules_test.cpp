// The update math: Newton-Schulz, the Grokfast filter, and MuGrokfast's Muon and AdamW
// steps against hand-written references of the formulas in DESIGN.md.
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.hpp"
#include "optim/grokfast_filter.hpp"
#include "optim/mugrokfast.hpp"
#include "optim/newton_schulz.hpp"

namespace cog::optim {
namespace {

// Observed band over the matrices below (seed 0): printed by the test as "[ observed ]".
constexpr double kSingularMin = 0.6;
constexpr double kSingularMax = 1.2;

// A square matrix with a chosen spectrum: random orthogonal U, V (QR of Gaussians).
torch::Tensor withSpectrum(const torch::Tensor& s) {
  const int64_t n = s.size(0);
  const torch::Tensor u = std::get<0>(torch::linalg::qr(torch::randn({n, n}, torch::kDouble)));
  const torch::Tensor v = std::get<0>(torch::linalg::qr(torch::randn({n, n}, torch::kDouble)));
  return u.mm(torch::diag(s)).mm(v.t()).to(torch::kFloat);
}

TEST(OptimNewtonSchulz, SingularValuesLandInTheQuinticBand) {
  torch::manual_seed(0);
  std::vector<torch::Tensor> inputs;
  // Rectangular Gaussians (wide, tall, the Cognate MLP shape): their smallest singular
  // value is a healthy fraction of the largest.
  for (auto [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{
           {32, 128}, {256, 48}, {128, 32}, {320, 1280}, {48, 256}}) {
    for (int trial = 0; trial < 3; ++trial)
      inputs.push_back(torch::randn({rows, cols}) * (trial + 0.01));
  }
  // Square, with singular values spread over 1.5 decades.
  inputs.push_back(withSpectrum(torch::logspace(-1.5, 0.0, 64, 10.0, torch::kDouble)));
  inputs.push_back(withSpectrum(torch::linspace(0.05, 3.0, 64, torch::kDouble)));
  double lo = 1e9, hi = 0.0;
  for (const torch::Tensor& g : inputs) {
    const torch::Tensor o = newtonSchulzOrthogonalize(g);
    ASSERT_EQ(o.sizes(), g.sizes());
    const torch::Tensor sv = torch::linalg::svdvals(o.to(torch::kDouble), {});
    const double smin = sv.min().item<double>();
    const double smax = sv.max().item<double>();
    lo = std::min(lo, smin);
    hi = std::max(hi, smax);
    EXPECT_GE(smin, kSingularMin) << g.sizes();
    EXPECT_LE(smax, kSingularMax) << g.sizes();
    // Same singular vectors as G: O is close to the polar factor U V^T.
    auto [u, s, vh] = torch::linalg::svd(g.to(torch::kDouble), /*full_matrices=*/false, {});
    const torch::Tensor polar = torch::mm(u, vh);
    EXPECT_LT((o.to(torch::kDouble) - polar).norm().item<double>() / polar.norm().item<double>(),
              0.3)
        << g.sizes();
  }
  std::cout << "[ observed ] Newton-Schulz singular values in [" << lo << ", " << hi << "]\n";
}

// NS maps G = U diag(s) V^T to U diag(p(s / ||G||_F)) V^T, p the scalar quintic iterated
// 5 times. This pins that, including the known limit: a singular value below ~1e-3 of
// ||G||_F (a square Gaussian matrix has some) is amplified ~3.4445^5 = 488x but stays
// below the band.
TEST(OptimNewtonSchulz, ActsOnEachSingularValueAsTheScalarQuintic) {
  torch::manual_seed(1);
  const torch::Tensor g = torch::randn({64, 64}, torch::kDouble);
  auto [u, s, vh] = torch::linalg::svd(g, /*full_matrices=*/false, {});
  const torch::Tensor o = newtonSchulzOrthogonalize(g.to(torch::kFloat)).to(torch::kDouble);
  const torch::Tensor got = torch::diag(u.t().mm(o).mm(vh.t()));
  torch::Tensor want = s / (g.norm() + 1e-7);
  for (int i = 0; i < 5; ++i) {
    want = 3.4445 * want - 4.7750 * want.pow(3) + 2.0315 * want.pow(5);
  }
  EXPECT_TRUE(torch::allclose(got, want, 0, 1e-3)) << (got - want).abs().max().item<double>();
  EXPECT_LT(s.min().item<double>() / g.norm().item<double>(), 1e-3)
      << "expected an ill-conditioned draw";
  EXPECT_LE(want.max().item<double>(), kSingularMax);
}

TEST(OptimNewtonSchulz, KeepsDtypeAndRejectsVectors) {
  const torch::Tensor g = torch::randn({6, 4}, torch::kDouble);
  EXPECT_EQ(newtonSchulzOrthogonalize(g).scalar_type(), torch::kDouble);
  EXPECT_TRUE(newtonSchulzOrthogonalize(torch::zeros({3, 3})).eq(0).all().item<bool>());
  EXPECT_THROW(newtonSchulzOrthogonalize(torch::ones({5})), InvariantError);
}

TEST(OptimNewtonSchulz, BatchedEqualsOneMatrixAtATime) {
  torch::manual_seed(11);
  // Square, wide and tall (transposed into the wide ones' batch), a zero matrix, and norms
  // far apart: each matrix must keep its own normalisation and orientation.
  const std::vector<torch::Tensor> gs = {torch::randn({24, 64}), torch::randn({64, 24}) * 100,
                                         torch::zeros({24, 64}), torch::randn({64, 24}) * 1e-3,
                                         torch::randn({24, 64}).to(torch::kDouble)};
  const std::vector<torch::Tensor> batched = newtonSchulzOrthogonalizeBatch(gs);
  ASSERT_EQ(batched.size(), gs.size());
  for (size_t i = 0; i < gs.size(); ++i) {
    const torch::Tensor alone = newtonSchulzOrthogonalize(gs[i]);
    EXPECT_EQ(batched[i].sizes(), gs[i].sizes()) << "matrix " << i;
    EXPECT_EQ(batched[i].scalar_type(), gs[i].scalar_type()) << "matrix " << i;
    EXPECT_TRUE(torch::allclose(batched[i], alone, /*rtol=*/1e-5, /*atol=*/1e-6)) << "matrix " << i;
  }
  const std::vector<torch::Tensor> squares = {torch::randn({32, 32}), torch::randn({32, 32}) * 7};
  const auto square_batch = newtonSchulzOrthogonalizeBatch(squares);
  for (size_t i = 0; i < squares.size(); ++i) {
    EXPECT_TRUE(torch::allclose(square_batch[i], newtonSchulzOrthogonalize(squares[i]), 1e-5, 1e-6));
  }
  EXPECT_THROW(newtonSchulzOrthogonalizeBatch({torch::randn({24, 64}), torch::randn({24, 32})}), InvariantError);
}

TEST(OptimGrokfastFilter, MatchesTheFormulaByHand) {
  // alpha 0.75, lambda 0.5: every number below is exact in binary floating point.
  const GrokfastFilter filter(0.75, 0.5);
  torch::Tensor ema;
  const torch::Tensor g1 = torch::tensor({1.0, -2.0}, torch::kDouble);
  // ema starts at g1: 0.75*[1,-2] + 0.25*[1,-2] = [1,-2]; g' = g1 + 0.5*ema = [1.5, -3].
  EXPECT_TRUE(torch::equal(filter.apply(g1, ema), torch::tensor({1.5, -3.0}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(ema, torch::tensor({1.0, -2.0}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(g1, torch::tensor({1.0, -2.0}, torch::kDouble))) << "grad modified";
  // ema = 0.75*[1,-2] + 0.25*[3,0] = [1.5,-1.5]; g' = [3,0] + 0.5*ema = [3.75,-0.75].
  EXPECT_TRUE(torch::equal(filter.apply(torch::tensor({3.0, 0.0}, torch::kDouble), ema),
                           torch::tensor({3.75, -0.75}, torch::kDouble)));
  // ema = 0.75*[1.5,-1.5] + 0.25*[-1,4] = [0.875,-0.125]; g' = [-1,4] + 0.5*ema.
  EXPECT_TRUE(torch::equal(filter.apply(torch::tensor({-1.0, 4.0}, torch::kDouble), ema),
                           torch::tensor({-0.5625, 3.9375}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(ema, torch::tensor({0.875, -0.125}, torch::kDouble)));
}

TEST(OptimGrokfastFilter, LambdaZeroDisablesIt) {
  const GrokfastFilter filter(0.98, 0.0);
  torch::Tensor ema;
  const torch::Tensor g = torch::tensor({1.0, 2.0});
  EXPECT_TRUE(filter.apply(g, ema).is_same(g));
  EXPECT_FALSE(ema.defined());
}

// Written from the formula, independently of newton_schulz.cpp: double precision,
// explicit transpose, explicit polynomial.
torch::Tensor referenceNewtonSchulz(const torch::Tensor& u) {
  const bool tall = u.size(0) > u.size(1);
  torch::Tensor x = tall ? u.t() : u;
  x = x / (x.norm() + 1e-7);
  for (int i = 0; i < 5; ++i) {
    const torch::Tensor a = x.mm(x.t());
    x = 3.4445 * x + (-4.7750 * a + 2.0315 * a.mm(a)).mm(x);
  }
  return tall ? x.t() : x;
}

torch::Tensor testGrad(int64_t rows, int64_t cols, int step) {
  return torch::sin(torch::arange(rows * cols, torch::kDouble) * (0.37 * step + 0.11) + step)
      .view({rows, cols});
}

TEST(OptimMuGrokfast, MuonStepMatchesReferenceFormula) {
  for (bool nesterov : {true, false}) {
    for (auto [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{{8, 4}, {3, 6}}) {
      const torch::Tensor init = testGrad(rows, cols, 7);
      torch::Tensor p = init.clone();
      MuGrokfastOptions opts;
      opts.muon_lr = 0.05;
      opts.momentum = 0.9;
      opts.nesterov = nesterov;
      opts.weight_decay = 0.1;
      MuGrokfast optimizer({{"blocks.0.mlp.w1.weight", p}}, opts);
      ASSERT_EQ(optimizer.numParameters(ParamGroupKind::kMuon), 1);

      torch::Tensor ref = init.clone();
      torch::Tensor buf = torch::zeros_like(ref);
      const double scale = std::sqrt(std::max(1.0, double(rows) / double(cols)));
      for (int step = 1; step <= 2; ++step) {
        const torch::Tensor g = testGrad(rows, cols, step);
        p.mutable_grad() = g.clone();
        optimizer.step();

        buf = 0.9 * buf + g;
        const torch::Tensor u = nesterov ? g + 0.9 * buf : buf;
        ref = ref - 0.05 * (0.1 * ref);
        ref = ref - 0.05 * scale * referenceNewtonSchulz(u);
        EXPECT_TRUE(torch::allclose(p, ref, /*rtol=*/0, /*atol=*/1e-6))
            << rows << "x" << cols << " nesterov=" << nesterov << " step " << step << " max diff "
            << (p - ref).abs().max().item<double>();
      }
      // The step really moved the weights (the reference is not trivially equal).
      EXPECT_GT((p - init).abs().max().item<double>(), 1e-2);
    }
  }
}

TEST(OptimMuGrokfast, FallbackStepMatchesTorchAdamW) {
  torch::Tensor ours = testGrad(5, 3, 4);
  torch::Tensor theirs = ours.clone().requires_grad_(true);
  MuGrokfastOptions opts;
  opts.fallback_lr = 0.01;
  opts.weight_decay = 0.05;
  MuGrokfast optimizer({{"mag.gate_in.weight", ours}}, opts);  // a decayed fallback matrix
  ASSERT_EQ(optimizer.numParameters(ParamGroupKind::kFallback), 1);
  torch::optim::AdamW reference(
      {theirs}, torch::optim::AdamWOptions(0.01).betas({0.9, 0.95}).eps(1e-8).weight_decay(0.05));
  for (int step = 1; step <= 3; ++step) {
    ours.mutable_grad() = testGrad(5, 3, step);
    theirs.mutable_grad() = testGrad(5, 3, step);
    optimizer.step();
    reference.step();
    EXPECT_TRUE(torch::allclose(ours, theirs.detach(), 0, 1e-12)) << "step " << step;
  }
}

// Weight decay reaches weight matrices only: an embedding, a norm's gain and a bias step as
// AdamW without decay; decay_all_parameters decays them too.
TEST(OptimMuGrokfast, WeightDecaySkipsEmbeddingsNormsAndBiasesUnlessAskedToDecayAll) {
  const std::vector<std::pair<std::string, std::vector<int64_t>>> never_decayed = {
      {"tok_emb.weight", {5, 3}}, {"blocks.0.norm1.weight", {3}}, {"halt.bias", {1}}};
  for (bool decay_all : {false, true}) {
    for (const auto& [name, shape] : never_decayed) {
      torch::Tensor ours = torch::ones(shape, torch::kDouble);
      torch::Tensor theirs = ours.clone().requires_grad_(true);
      MuGrokfastOptions opts;
      opts.fallback_lr = 0.01;
      opts.weight_decay = 0.05;
      opts.decay_all_parameters = decay_all;
      MuGrokfast optimizer({{name, ours}}, opts);
      torch::optim::AdamW reference({theirs}, torch::optim::AdamWOptions(0.01).betas({0.9, 0.95}).eps(1e-8).weight_decay(
                                                  decay_all ? 0.05 : 0.0));
      for (int step = 1; step <= 3; ++step) {
        ours.mutable_grad() = torch::full(shape, 0.1 * step, torch::kDouble);
        theirs.mutable_grad() = ours.grad().clone();
        optimizer.step();
        reference.step();
      }
      EXPECT_TRUE(torch::allclose(ours, theirs.detach(), 0, 1e-12)) << name << " decay_all " << decay_all;
    }
  }
}

TEST(OptimMuGrokfast, GrokfastFiltersEveryGroupsGradient) {
  // lambda > 0 on raw grads must equal lambda = 0 on grads filtered by hand.
  const std::vector<std::pair<std::string, std::vector<int64_t>>> shapes = {
      {"blocks.0.attn.wq.weight", {6, 4}}, {"blocks.0.norm1.weight", {4}}};
  std::vector<NamedParameter> filtered, manual;
  for (const auto& [name, shape] : shapes) {
    filtered.push_back({name, torch::ones(shape, torch::kDouble)});
    manual.push_back({name, torch::ones(shape, torch::kDouble)});
  }
  MuGrokfastOptions opts;
  opts.grokfast_alpha = 0.9;
  opts.grokfast_lambda = 0.3;
  MuGrokfast withFilter(filtered, opts);
  opts.grokfast_lambda = 0.0;
  MuGrokfast withoutFilter(manual, opts);
  std::vector<torch::Tensor> emas(shapes.size());
  for (int step = 1; step <= 3; ++step) {
    for (size_t i = 0; i < shapes.size(); ++i) {
      const torch::Tensor g =
          testGrad(1, filtered[i].tensor.numel(), step).view_as(filtered[i].tensor);
      filtered[i].tensor.mutable_grad() = g;
      if (!emas[i].defined()) emas[i] = g.clone();
      emas[i] = 0.9 * emas[i] + 0.1 * g;
      manual[i].tensor.mutable_grad() = g + 0.3 * emas[i];
    }
    withFilter.step();
    withoutFilter.step();
    for (size_t i = 0; i < shapes.size(); ++i) {
      EXPECT_TRUE(torch::allclose(filtered[i].tensor, manual[i].tensor, 0, 1e-9))
          << shapes[i].first << " step " << step;
    }
  }
}

TEST(OptimMuGrokfast, SkipsParametersWithoutGradAndZeroGradKeepsStorage) {
  torch::Tensor a = torch::ones({4, 4});
  torch::Tensor b = torch::ones({4});
  MuGrokfast optimizer({{"blocks.0.attn.wq.weight", a}, {"norm.weight", b}}, {});
  a.mutable_grad() = torch::ones({4, 4});
  optimizer.step();
  EXPECT_TRUE(torch::equal(b, torch::ones({4})));
  EXPECT_FALSE(torch::equal(a, torch::ones({4, 4})));
  const void* storage = a.grad().data_ptr();
  optimizer.zeroGrad();
  EXPECT_EQ(a.grad().data_ptr(), storage);
  EXPECT_TRUE(a.grad().eq(0).all().item<bool>());
  EXPECT_FALSE(b.grad().defined());
  EXPECT_EQ(optimizer.stepCount(), 1);
}

}  // namespace
}  // namespace cog::optim
