#include "worker/data/record_loaders.hpp"

#include <charconv>
#include <cmath>

#include "common/error.hpp"
#include "worker/data/difficulty.hpp"
#include "worker/data/record_reader.hpp"

namespace cog::data {
namespace {

using nlohmann::json;

std::string trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

// An empty question or answer would train on nothing and exact-match against nothing.
std::string requireText(const json& object, const char* key) {
  std::string value = trim(requireString(object, key));
  if (value.empty()) throw MalformedRecord(std::string("field '") + key + "' is empty");
  return value;
}

QaRecord makeRecord(std::string source, std::string question, std::string answer,
                    std::string final_answer) {
  QaRecord r;
  r.source = std::move(source);
  r.question = std::move(question);
  r.answer = std::move(answer);
  r.final_answer = std::move(final_answer);
  r.difficulty = lengthDifficulty(r.text());
  return r;
}

std::string gsm8kFinal(const std::string& answer) {
  const size_t mark = answer.rfind("####");
  if (mark == std::string::npos) throw MalformedRecord("field 'answer' has no '#### <number>'");
  std::string final_answer;
  for (char c : trim(answer.substr(mark + 4))) {
    if (c != ',') final_answer.push_back(c);
  }
  if (final_answer.empty()) throw MalformedRecord("field 'answer' has nothing after '####'");
  return final_answer;
}

std::string crlfToLf(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out.push_back(s[i]);
  }
  return out;
}

// "(A) text" for the i-th of a list of choices.
void appendChoice(std::string& question, const std::string& label, const std::string& text) {
  question += " (" + label + ") " + text;
}

std::string letterFor(size_t index) { return std::string(1, static_cast<char>('A' + index)); }

QaRecord parseArc(const json& j, const std::string& source) {
  const json& q = requireField(j, "question");
  if (!q.is_object()) {
    throw MalformedRecord(std::string("field 'question' is ") + q.type_name() +
                          ", expected object");
  }
  std::string question = requireText(q, "stem");
  const json& choices = requireArray(q, "choices");
  if (choices.empty()) throw MalformedRecord("field 'question.choices' is empty");
  const std::string key = trim(requireString(j, "answerKey"));
  bool keyFound = false;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (!choices[i].is_object()) {
      throw MalformedRecord("question.choices[" + std::to_string(i) + "] is not an object");
    }
    const std::string label = trim(requireString(choices[i], "label"));
    appendChoice(question, label, trim(requireString(choices[i], "text")));
    keyFound = keyFound || label == key;
  }
  if (!keyFound) throw MalformedRecord("answerKey '" + key + "' is not one of the choice labels");
  return makeRecord(source, std::move(question), key, key);
}

// HellaSwag's label is an int in the released files; some re-exports store "2".
size_t hellaSwagLabel(const json& j, size_t numEndings) {
  const json& label = requireField(j, "label");
  int64_t value = -1;
  if (label.is_number_integer()) {
    value = label.get<int64_t>();
  } else if (label.is_string()) {
    const std::string s = label.get<std::string>();
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size()) {
      throw MalformedRecord("field 'label' is \"" + s + "\", expected an ending index");
    }
  } else {
    throw MalformedRecord(std::string("field 'label' is ") + label.type_name() +
                          ", expected integer");
  }
  if (value < 0 || static_cast<size_t>(value) >= numEndings) {
    throw MalformedRecord("field 'label' is " + std::to_string(value) + ", outside [0, " +
                          std::to_string(numEndings) + ")");
  }
  return static_cast<size_t>(value);
}

QaRecord parseHellaSwag(const json& j) {
  std::string question = requireText(j, "ctx");
  const json& endings = requireArray(j, "endings");
  if (endings.empty() || endings.size() > 26) {
    throw MalformedRecord("field 'endings' has " + std::to_string(endings.size()) +
                          " entries, expected 1 to 26");
  }
  for (size_t i = 0; i < endings.size(); ++i) {
    if (!endings[i].is_string()) {
      throw MalformedRecord("endings[" + std::to_string(i) + "] is " + endings[i].type_name() +
                            ", expected string");
    }
    appendChoice(question, letterFor(i), trim(endings[i].get<std::string>()));
  }
  const std::string letter = letterFor(hellaSwagLabel(j, endings.size()));
  return makeRecord("hellaswag", std::move(question), letter, letter);
}

}  // namespace

std::string shortestNumber(double value) {
  if (!std::isfinite(value)) throw DataError("shortestNumber: non-finite value");
  if (value == 0.0) return "0";  // also turns -0.0 into "0"
  char buf[64];
  // std::to_chars without a format gives the shortest text that round-trips exactly.
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) throw InvariantError("shortestNumber: to_chars failed");
  return std::string(buf, end);
}

LoadResult loadGsm8k(const std::string& path, const WarningSink& warn) {
  return readJsonLines(
      path,
      [](const json& j) {
        std::string answer = requireText(j, "answer");
        std::string final_answer = gsm8kFinal(answer);
        return makeRecord("gsm8k", requireText(j, "question"), std::move(answer),
                          std::move(final_answer));
      },
      warn);
}

LoadResult loadQa(const std::string& path, const WarningSink& warn) {
  return readJsonLines(
      path,
      [](const json& j) {
        const json& answer = requireField(j, "answer");
        std::string text;
        if (answer.is_string()) {
          text = trim(answer.get<std::string>());
        } else if (answer.is_number() && std::isfinite(answer.get<double>())) {
          text = shortestNumber(answer.get<double>());
        } else {
          throw MalformedRecord(std::string("field 'answer' is ") + answer.type_name() +
                                ", expected text or a finite number");
        }
        if (text.empty()) throw MalformedRecord("field 'answer' is empty");
        QaRecord record = makeRecord("qa", requireText(j, "question"), text, text);
        for (auto [field, into] : {std::pair<const char*, std::string*>{"family", &record.family},
                                   {"operand_class", &record.operand_class}}) {
          if (j.contains(field)) *into = requireText(j, field);
        }
        return record;
      },
      warn);
}

LoadResult loadSvamp(const std::string& path, const WarningSink& warn) {
  return readJsonArray(
      path,
      [](const json& j) {
        const json& answer = requireField(j, "Answer");
        if (!answer.is_number() || !std::isfinite(answer.get<double>())) {
          throw MalformedRecord(std::string("field 'Answer' is ") + answer.type_name() +
                                ", expected a finite number");
        }
        const std::string number = shortestNumber(answer.get<double>());
        return makeRecord("svamp", requireText(j, "Body") + " " + requireText(j, "Question"),
                          number, number);
      },
      warn);
}

LoadResult loadMbpp(const std::string& path, const WarningSink& warn) {
  return readJsonLines(
      path,
      [](const json& j) {
        const std::string code = crlfToLf(requireText(j, "code"));
        return makeRecord("mbpp", requireText(j, "text"), code, code);
      },
      warn);
}

LoadResult loadArc(const std::string& path, const std::string& source, const WarningSink& warn) {
  return readJsonLines(
      path, [&source](const json& j) { return parseArc(j, source); }, warn);
}

LoadResult loadHellaSwag(const std::string& path, const WarningSink& warn) {
  return readJsonLines(path, parseHellaSwag, warn);
}

}  // namespace cog::data
