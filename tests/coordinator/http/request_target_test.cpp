#include "coordinator/http/request_target.hpp"

#include <gtest/gtest.h>

#include "coordinator/http/http_response.hpp"

namespace cog::coord {
namespace {

using Segments = std::vector<std::string>;

// Runs `fn`, expecting an HttpError of `kind` whose detail contains every one of `parts`.
template <typename Fn>
void expectHttpError(Fn fn, HttpErrorKind kind, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "expected an HttpError";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    for (const auto& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(HttpRequestTarget, SplitsAndDecodesPathSegments) {
  EXPECT_EQ(parseRequestTarget("/api/v1/jobs").segments, (Segments{"api", "v1", "jobs"}));
  EXPECT_EQ(parseRequestTarget("/api/v1/jobs/my%20job").segments,
            (Segments{"api", "v1", "jobs", "my job"}));
  // %2F decodes inside its segment instead of creating a new one; '+' is literal in a path.
  EXPECT_EQ(parseRequestTarget("/a%2Fb/c+d").segments, (Segments{"a/b", "c+d"}));
  EXPECT_EQ(parseRequestTarget("/x%C3%A9").segments, (Segments{"x\xC3\xA9"}));
}

TEST(HttpRequestTarget, ToleratesOneTrailingSlash) {
  EXPECT_EQ(parseRequestTarget("/api/v1/jobs/").segments, (Segments{"api", "v1", "jobs"}));
  EXPECT_EQ(parseRequestTarget("/api/v1/jobs/?limit=2").segments, (Segments{"api", "v1", "jobs"}));
  EXPECT_TRUE(parseRequestTarget("/").segments.empty());
  // A doubled slash is an empty segment, which no route has: the caller answers 404.
  EXPECT_EQ(parseRequestTarget("/api//v1").segments, (Segments{"api", "", "v1"}));
  EXPECT_EQ(parseRequestTarget("/api/v1/jobs//").segments, (Segments{"api", "v1", "jobs", ""}));
}

TEST(HttpRequestTarget, RejectsTargetsThatAreNotPaths) {
  expectHttpError([] { parseRequestTarget("http://host/api"); }, HttpErrorKind::kBadRequest,
                  {"http://host/api", "origin-form"});
  expectHttpError([] { parseRequestTarget(""); }, HttpErrorKind::kBadRequest, {"not a path"});
}

TEST(HttpRequestTarget, RejectsMalformedPercentEscapes) {
  expectHttpError([] { parseRequestTarget("/api/v1/jobs/a%zz"); }, HttpErrorKind::kBadRequest,
                  {"a%zz", "%25"});
  expectHttpError([] { parseRequestTarget("/jobs/a%2"); }, HttpErrorKind::kBadRequest, {"a%2"});
  expectHttpError([] { parseRequestTarget("/m?name=lo%G1"); }, HttpErrorKind::kBadRequest,
                  {"query parameter 'name'", "lo%G1"});
}

TEST(HttpQueryParams, DecodesValuesWithPlusAsSpace) {
  QueryParams q = QueryParams::parse("name=val+loss%2Cgrad_norm&empty=&flag&&");
  EXPECT_EQ(q.text("name"), std::optional<std::string>("val loss,grad_norm"));
  EXPECT_EQ(q.text("empty"), std::optional<std::string>(""));
  EXPECT_EQ(q.text("flag"), std::optional<std::string>(""));
  EXPECT_EQ(q.text("absent"), std::nullopt);
  EXPECT_NO_THROW(q.rejectUnknown({}));
}

TEST(HttpQueryParams, ParsesIntegersInRangeWithDefault) {
  QueryParams q = QueryParams::parse("since=-1&limit=25&big=9223372036854775807");
  EXPECT_EQ(q.integer("since", 0, -1, 100), -1);
  EXPECT_EQ(q.integer("limit", 10, 1, 100), 25);
  EXPECT_EQ(q.integer("missing", 10, 1, 100), 10);
  EXPECT_EQ(q.integer("big", 0, 0, INT64_MAX), INT64_MAX);
}

TEST(HttpQueryParams, BadIntegersNameParameterAndValue) {
  expectHttpError([] { QueryParams::parse("since=abc").integer("since", -1, -1, 10); },
                  HttpErrorKind::kBadRequest, {"since=abc", "not an integer"});
  expectHttpError([] { QueryParams::parse("limit=-3").integer("limit", 10, 1, 100); },
                  HttpErrorKind::kBadRequest, {"limit=-3", "out of range", "[1, 100]"});
  expectHttpError([] { QueryParams::parse("limit=12x").integer("limit", 10, 1, 100); },
                  HttpErrorKind::kBadRequest, {"limit=12x"});
  expectHttpError([] { QueryParams::parse("limit=").integer("limit", 10, 1, 100); },
                  HttpErrorKind::kBadRequest, {"limit="});
  expectHttpError(
      [] { QueryParams::parse("since=99999999999999999999").integer("since", 0, 0, INT64_MAX); },
      HttpErrorKind::kBadRequest, {"since=99999999999999999999"});
}

TEST(HttpQueryParams, RejectsUnknownAndRepeatedKeys) {
  QueryParams q = QueryParams::parse("limt=5");
  q.integer("limit", 10, 1, 100);
  expectHttpError(
      [&] {
        q.rejectUnknown({"limit", "since"});
      },
      HttpErrorKind::kBadRequest, {"'limt'", "limit, since"});
  expectHttpError([] { QueryParams::parse("since=1&since=2"); }, HttpErrorKind::kBadRequest,
                  {"'since'", "twice"});
}

}  // namespace
}  // namespace cog::coord
