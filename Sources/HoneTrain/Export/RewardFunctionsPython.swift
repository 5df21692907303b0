import Foundation
import HoneModels

/// GRPO's rule rewards as Python reward functions for TRL and Axolotl, with `RewardRule`'s
/// definitions: `contains:WORD` is 1 when the answer contains WORD ignoring case, else 0;
/// `max_length:N` is 1 up to N generated tokens, falling linearly to 0 at 2N. The EOS that ends
/// an answer is not counted, as hone does not count it.
public enum RewardFunctionsPython {
    /// A Python (and YAML) literal for `text`: a JSON string literal is valid in both.
    static func literal(_ text: String) -> String {
        var out = ""
        JSONText.appendString(text, to: &out)
        return out
    }

    /// The Python source of `hone_rewards(tokenizer)`, which returns one TRL reward function
    /// per rule, and of `hone_score(rule, text, tokens)` that those functions call.
    public static func source(for rules: [RewardRule]) -> String {
        let list = rules.map { literal($0.description) }.joined(separator: ", ")
        return #"""


HONE_REWARDS = [\#(list)]


def hone_score(rule, text, tokens):
    """hone's RewardRule: contains:WORD (1 if WORD is in the answer, ignoring case) or
    max_length:N (1 up to N tokens, then linearly to 0 at 2N tokens)."""
    kind, _, argument = rule.partition(":")
    if kind == "contains":
        return 1.0 if argument.lower() in text.lower() else 0.0
    if kind == "max_length":
        n = int(argument)
        return 1.0 if tokens <= n else max(0.0, 2.0 - tokens / n)
    raise ValueError(f"unknown reward rule {rule!r}")


def hone_rewards(tokenizer):
    eos = tokenizer.eos_token_id

    def make(rule):
        def reward(completions, completion_ids=None, **kwargs):
            scores = []
            for i, completion in enumerate(completions):
                text = completion if isinstance(completion, str) else completion[-1]["content"]
                ids = list(completion_ids[i]) if completion_ids is not None else tokenizer(text, add_special_tokens=False)["input_ids"]
                if ids and ids[-1] == eos:
                    ids = ids[:-1]
                scores.append(hone_score(rule, text, len(ids)))
            return scores

        reward.__name__ = "hone_" + "".join(c if c.isalnum() else "_" for c in rule)
        return reward

    return [make(rule) for rule in HONE_REWARDS]

"""#
    }
}
