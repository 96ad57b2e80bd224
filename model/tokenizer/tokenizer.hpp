#pragma once
// The one interface every tokenizer implements. Datasets, the trainer and generation only
// see this; the concrete kind (byte, gpt2) is picked from config by makeTokenizer().
//
// Thread-safety: every method is const and safe to call from several threads at once
// (data loader threads encode in parallel).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cog {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Text (UTF-8 expected; other bytes are kept, never dropped) to token ids. Never emits
  // the special ids: callers add BOS/EOS/PAD where their sequence layout wants them.
  virtual std::vector<int32_t> encode(std::string_view text) const = 0;

  // Ids back to text. BOS/EOS/PAD ids are skipped so generated samples read cleanly;
  // an id outside [0, vocabSize()) throws cog::DataError.
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;

  // Size of the embedding table a model needs: every id encode() or the special ids
  // can produce is below it.
  virtual int32_t vocabSize() const = 0;
  virtual int32_t bosId() const = 0;
  virtual int32_t eosId() const = 0;
  virtual int32_t padId() const = 0;

  // Short name for logs and checkpoints ("byte", "gpt2").
  virtual std::string name() const = 0;
};

}  // namespace cog
