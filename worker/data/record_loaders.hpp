#pragma once
// Loaders for the original dataset files, unconverted (formats in shared/data/SOURCES.md).
// Each turns a record into a QaRecord with a length-based difficulty (difficulty.hpp).
// Malformed records are skipped and warned about through `warn` as `file:line: what`;
// a file with no valid record, or one that cannot be opened, throws cog::DataError.
#include <string>

#include "worker/data/load_result.hpp"
#include "worker/data/warning_sink.hpp"

namespace cog::data {

// JSONL `question`, `answer`. answer = the reasoning verbatim (calculator annotations
// `<<48/2=24>>` included) through "#### 72"; final_answer = the text after the last
// "####" with commas removed ("1,000" → "1000"). No "####" → malformed.
LoadResult loadGsm8k(const std::string& path, const WarningSink& warn);

// One JSON array, `Body`, `Question`, `Answer` (a number). question = Body + " " +
// Question; answer = final_answer = shortestNumber(Answer).
LoadResult loadSvamp(const std::string& path, const WarningSink& warn);

// JSONL `text`, `code`. question = text; answer = final_answer = code with CRLF turned
// into LF (the files use CRLF; the program is the same and tokens are not wasted on '\r').
LoadResult loadMbpp(const std::string& path, const WarningSink& warn);

// JSONL `question.stem`, `question.choices[{text,label}]`, `answerKey` (ARC-Easy and
// ARC-Challenge). question = stem + " (A) text (B) text …" with the labels as given (a
// few questions use 1-4); answer = final_answer = answerKey, which must be one of the
// labels. `source` is the kind recorded in QaRecord::source (arc, arc_easy, ...).
LoadResult loadArc(const std::string& path, const std::string& source, const WarningSink& warn);

// JSONL `ctx`, `endings` [strings], `label` (0-based index; an integer, or a string of
// digits as some copies store it). question = ctx + " (A) e0 (B) e1 …"; answer =
// final_answer = the letter of `label`.
LoadResult loadHellaSwag(const std::string& path, const WarningSink& warn);

// JSONL `question`, `answer` (text, or a number) — a user's own held-out file. answer =
// final_answer = the answer (a number as shortestNumber gives it); optional `family` and
// `operand_class` (text) are kept, so exact match is reported per slice for them too.
LoadResult loadQa(const std::string& path, const WarningSink& warn);

// The shortest decimal text that reads back as `value`: 51.0 → "51", 2.5 → "2.5".
std::string shortestNumber(double value);

}  // namespace cog::data
