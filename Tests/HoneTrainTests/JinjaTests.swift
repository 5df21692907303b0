import Testing
@testable import HoneTrain

/// Real chat templates rendered through hone's Jinja subset, checked against the text
/// transformers' `apply_chat_template` produces for them.
@Suite struct JinjaTests {
    /// meta-llama/Llama-2-7b-chat-hf `chat_template` (as the JSON string decodes).
    static let llama2Chat = #"{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"#

    /// The ChatML template (OpenHermes, Qwen-style).
    static let chatML = #"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"#

    /// HuggingFaceH4/zephyr-7b-beta: one tag per line, so it depends on trim_blocks.
    static let zephyr = """
        {% for message in messages %}
        {% if message['role'] == 'user' %}
        {{ '<|user|>\\n' + message['content'] + eos_token }}
        {% elif message['role'] == 'system' %}
        {{ '<|system|>\\n' + message['content'] + eos_token }}
        {% elif message['role'] == 'assistant' %}
        {{ '<|assistant|>\\n'  + message['content'] + eos_token }}
        {% endif %}
        {% if loop.last and add_generation_prompt %}
        {{ '<|assistant|>' }}
        {% endif %}
        {% endfor %}
        """

    static let conversation = [ChatMessage(role: "system", content: "You are helpful."), ChatMessage(role: "user", content: "Hi"),
                               ChatMessage(role: "assistant", content: "Hello! "), ChatMessage(role: "user", content: " How are you?")]

    @Test("the Llama-2-chat template renders system, turns, BOS/EOS and stripped contents as transformers does")
    func llama2() throws {
        let t = try ChatTemplate(Self.llama2Chat, bosToken: "<s>", eosToken: "</s>")
        let text = try t.render(messages: Self.conversation, addGenerationPrompt: false)
        #expect(text == "<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] How are you? [/INST]")
        let noSystem = try t.render(messages: [ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
        #expect(noSystem == "<s>[INST] Hi [/INST]")
    }

    /// mistralai/Mistral-7B-Instruct-v0.1.
    static let mistral = #"{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"#

    @Test("the Mistral template joins turns without spaces around answers and refuses a system turn")
    func mistral() throws {
        let t = try ChatTemplate(Self.mistral, bosToken: "<s>", eosToken: "</s>")
        let text = try t.render(messages: Array(Self.conversation.dropFirst()), addGenerationPrompt: true)
        #expect(text == "<s>[INST] Hi [/INST]Hello! </s>[INST]  How are you? [/INST]")
        #expect { try t.render(messages: Self.conversation, addGenerationPrompt: true) } throws: { error in
            (error as? JinjaError)?.message == "Conversation roles must alternate user/assistant/user/assistant/..."
        }
    }

    @Test("a Llama-2 chat template as a prompt template: the prompt ends at [/INST], the completion carries the answer and EOS")
    func llama2AsPromptTemplate() throws {
        let template = PromptTemplate.chat(try ChatTemplate(Self.llama2Chat, bosToken: "<s>", eosToken: "</s>"))
        let (prompt, completion) = try template.rendered(.promptCompletion(prompt: "Hi", completion: "Hello"))
        #expect(prompt == "<s>[INST] Hi [/INST]")
        #expect(completion == " Hello </s>")
    }

    @Test("raise_exception in a template is a `raised` error carrying its message")
    func raises() throws {
        let t = try ChatTemplate(Self.llama2Chat, bosToken: "<s>", eosToken: "</s>")
        #expect {
            try t.render(messages: [ChatMessage(role: "assistant", content: "x")], addGenerationPrompt: false)
        } throws: { error in
            let e = error as? JinjaError
            return e?.kind == .raised && e?.message == "Conversation roles must alternate user/assistant/user/assistant/..."
        }
    }

    @Test("ChatML renders every turn and the generation prompt only when asked")
    func chatML() throws {
        let t = try ChatTemplate(Self.chatML)
        let messages = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi")]
        #expect(try t.render(messages: messages, addGenerationPrompt: true)
            == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(try t.render(messages: messages, addGenerationPrompt: false)
            == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }

    @Test("trim_blocks and lstrip_blocks: newlines after block tags vanish, those after {{ }} stay")
    func zephyr() throws {
        let t = try ChatTemplate(Self.zephyr, eosToken: "</s>")
        let text = try t.render(messages: [ChatMessage(role: "system", content: "S"), ChatMessage(role: "user", content: "Hi")],
                                addGenerationPrompt: true)
        #expect(text == "<|system|>\nS</s>\n<|user|>\nHi</s>\n<|assistant|>\n")
    }

    @Test("whitespace control strips on the dash's side; lstrip_blocks strips indentation before a tag")
    func whitespaceControl() throws {
        let t = try ChatTemplate("a  {%- if true -%}  b  {%- endif %}\n   {% if true %}c{% endif %}\n  {{- 'd' -}}  \n e")
        #expect(try t.render(messages: [], addGenerationPrompt: false) == "abcde")
    }

    @Test("expressions: loop variables, set scoping, namespace, filters, tests, in, ~, slices, conditionals")
    func expressions() throws {
        let source = """
            {%- set ns = namespace(count=0) -%}
            {%- set outer = 'kept' -%}
            {%- for m in messages -%}
            {%- set outer = 'loop only' -%}
            {%- set ns.count = ns.count + 1 -%}
            {{ loop.index }}/{{ loop.length }}{{ '^' if loop.first }}{{ '$' if loop.last else ',' }}
            {%- endfor %} {{ outer }} {{ ns.count }} {{ messages | length }} {{ (messages[0].content | upper) ~ '!' }}
            {{- ' ' ~ ('b' in 'abc') ~ ' ' ~ ('x' not in ['x']) ~ ' ' ~ (missing is defined) ~ ' ' ~ (none is none) }}
            {{- ' ' ~ messages[-1]['role'][:3] ~ ' ' ~ (7 // 2) ~ (7 % 3) ~ ' ' ~ {'k': [1, 'two', none, true]} | tojson }}
            {{- ' ' ~ '  pad  ' | trim ~ '|' ~ 'Mixed' | lower }}
            """
        let t = try ChatTemplate(source)
        let text = try t.render(messages: [ChatMessage(role: "user", content: "hi"), ChatMessage(role: "assistant", content: "yo")],
                                addGenerationPrompt: false)
        #expect(text == #"1/2^,2/2$ kept 2 2 HI! True False False True ass 31 {"k": [1, "two", null, true]} pad|mixed"#)
    }

    @Test("an unsupported construct names itself and its line:column")
    func unsupported() throws {
        #expect {
            try ChatTemplate("{{ bos_token }}\n\n  {% macro greet(name) %}hi{% endmacro %}")
        } throws: { error in
            let e = error as? JinjaError
            return e?.kind == .unsupported && e?.location == JinjaLocation(line: 3, column: 6)
                && "\(e!)".hasPrefix("unsupported Jinja construct `macro` at 3:6; hone supports")
        }
        #expect { try ChatTemplate("{{ messages | map(attribute='content') }}") } throws: { error in
            (error as? JinjaError)?.kind == .unsupported && "\(error)".contains("the filter `map`") && "\(error)".contains("at 1:15")
        }
        #expect { try ChatTemplate("{{ x }").render(messages: [], addGenerationPrompt: false) } throws: { error in
            (error as? JinjaError)?.kind == .syntax
        }
        #expect { try ChatTemplate("{% if x %}a").render(messages: [], addGenerationPrompt: false) } throws: { error in
            "\(error)".contains("never closed with `endif`")
        }
    }

    @Test("a function hone does not know is refused when the template is read, naming it")
    func unknownFunction() throws {
        #expect { try ChatTemplate("{{ lipsum(2) }}") } throws: { error in
            (error as? JinjaError)?.kind == .unsupported && "\(error)".contains("`lipsum()` at 1:4")
        }
    }
}
