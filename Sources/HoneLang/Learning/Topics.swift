/// The texts of `explain`. Tool defaults are what the tools ship or recommend in their own configs
/// and docs (PEFT's LoraConfig, TRL's configs and PEFT guide, the QLoRA scripts, the LLaMA-Factory
/// and torchtune example configs, Unsloth, mlx-lm); formulas are the usual ones. Each topic stays
/// within 10–25 printed lines and names the hone commands and the tutorial that show it
/// (ExplainCommandTests checks all three).
extension Topic {
    public static let all: [Topic] = [
        lora, qlora, dora, full, rank, alpha, lr, batch, data, tokenizer, templates, overfitting, forgetting, eval, dpo, rlhf, prompting, rag,
    ]

    static let lora = Topic(
        "lora", summary: "low-rank adapters: train a small update, keep the model frozen",
        aliases: ["low rank adaptation", "adapter", "adapters"],
        body: """
            LoRA freezes the model's weights and trains a small correction beside each chosen
            linear layer:   h = W x + (alpha / r) · B A x
            A is [r, in] and starts small and random; B is [out, r] and starts at zero, so a
            new adapter changes nothing until training moves B. Only A and B learn: r·(in + out)
            numbers per layer instead of in·out, often under 1% of the model.
            Why it matters: optimizer state shrinks with the trainable weights, an adapter file
            is megabytes, one base serves many adapters, and the base stays intact. Merging
            folds W + (alpha/r)·BA into the base, so inference then costs nothing extra.
            """,
        defaults: ["PEFT: r 8, alpha 8, dropout 0, q_proj,v_proj on Llama",
                   "TRL (CLI): r 16, alpha 32, dropout 0.05; LoRA lr 2e-4",
                   "Unsloth: r 16, alpha 16, all seven projections, lr 2e-4",
                   "LLaMA-Factory: r 8, alpha 2·r, all linear; torchtune: r 64, alpha 128 (2·rank)",
                   "mlx-lm: rank 8 with a fixed scale of 20 instead of alpha/r"],
        uses: [.init("lora r=16 alpha=32 targets=all-linear", "add the adapter"),
               .init("show params", "how few weights train"),
               .init("train data.train epochs=2 lr=2e-4", "train only the adapter"),
               .init("save adapter out/my-lora", "a PEFT adapter directory")],
        related: ["rank", "alpha", "qlora", "dora"], tutorial: "01-first-lora.md")

    static let qlora = Topic(
        "qlora", summary: "LoRA on a base stored in 4 bits (NF4): a quarter of the memory",
        aliases: ["nf4", "quantization", "quantisation", "quantize"],
        body: """
            QLoRA trains a LoRA adapter on a base whose linear weights are kept in 4 bits.
            NF4 has 16 levels placed at the quantiles of a normal distribution (weights are
            roughly normal), and one float scale, the block's largest |w|, per 64 weights.
            Memory per weight: 4 bits + 32/64 for the scale = 4.5 bits; with double
            quantisation (the scales stored in 8 bits, in blocks of 256) about 4.13 bits,
            against 16 bits in bf16 and 32 in float32.
            Each block is dequantised on the fly in the forward pass; gradients flow only into
            the adapter, which stays in full precision. Quality stays close to 16-bit LoRA, so a
            model about four times larger fits the same memory. The costs: slower steps, and
            merging into the 4-bit base loses accuracy (merge into a dequantised copy).
            """,
        defaults: ["QLoRA paper: r 64, alpha 16, dropout 0.1, all linear layers, lr 2e-4",
                   "  (1e-4 from 33B), NF4 + double quantisation, paged AdamW, clip 0.3",
                   "Unsloth: the same r 16, alpha 16, lr 2e-4 for LoRA and QLoRA"],
        uses: [.init("qlora r=16 alpha=32 targets=all-linear", "NF4 base + LoRA"),
               .init("quantize nf4", "the base alone, then `lora …`"),
               .init("show memory batch=8 seq=512", "what training will need"),
               .init("train data.train lr=2e-4", "as for LoRA")],
        related: ["lora", "full"], tutorial: "03-qlora.md")

    static let dora = Topic(
        "dora", summary: "LoRA for a weight's direction plus a learned length per row",
        aliases: ["weight decomposed", "magnitude"],
        body: """
            DoRA splits each weight row into a length (magnitude) and a direction. The direction
            gets an ordinary LoRA update; the magnitude is a trained vector m, one per output row:
                W' = m ⊙ (W + (alpha/r)·B A) / ‖W + (alpha/r)·B A‖    (norm of each row)
            m starts at the row norms of W, so a new DoRA layer changes nothing. It adds only
            `out` parameters per layer and often follows full fine-tuning more closely than LoRA
            at the same rank, above all at low rank. Each step costs a little more (the norm),
            and merging works as for LoRA.
            """,
        defaults: ["PEFT: use_dora=True on a LoRA config; m is saved as lora_magnitude_vector"],
        uses: [.init("dora r=8 alpha=16 targets=all-linear", "add a DoRA adapter"),
               .init("lora r=8 dora", "the same"),
               .init("compare base default on data.val", "against the base")],
        related: ["lora", "rank"], tutorial: "02-rank-alpha-targets.md")

    static let full = Topic(
        "full", summary: "full fine-tuning: every weight trains",
        aliases: ["full fine tuning", "full finetuning", "fft", "full ft"],
        body: """
            Full fine-tuning updates every weight. AdamW keeps two moments per weight, so in
            float32 training needs about 16 bytes a parameter (weight 4, gradient 4, moments 8)
            plus activations; LoRA needs the 4 of the frozen weight plus a few percent more.
            Why choose it: the most capacity to change the model (a new language or domain with
            much data, continued pre-training). Why not: memory, a checkpoint as large as the
            model for every run, and more forgetting, since every weight moves; mix in general
            data and keep the learning rate low, about ten times below LoRA's.
            """,
        defaults: ["Stanford Alpaca: full, lr 2e-5, batch 128, 3 epochs, length 512",
                   "TRL: SFT lr 2e-5 for full; with LoRA about ten times higher"],
        uses: [.init("train data.train method=full lr=2e-5 epochs=1", "every weight"),
               .init("show memory method=full checkpointing", "will it fit"),
               .init("set general=tinystories", "then `eval` reports forgetting")],
        related: ["lora", "forgetting"], tutorial: "04-full-vs-lora-forgetting.md")

    static let rank = Topic(
        "rank", summary: "r, the width of a LoRA update: capacity against size",
        aliases: ["r", "lora rank", "targets"],
        body: """
            The rank r is the width of the LoRA bottleneck: A is [r, in], B is [out, r], so the
            update BA can change a weight only along r directions. Parameters per layer:
            r·(in + out); for a 4096×4096 projection r=8 gives 65 536, 0.4% of its 16.8 M weights.
            A larger r gives more capacity, more memory, and more room to overfit a small data
            set. Ranks 4–16 usually suffice for style and format; 64–256 help when the data is
            large and the change deep. Which layers you target matters as much: LoRA on the
            attention alone falls behind all-linear LoRA even at a higher rank.
            With alpha/r scaling, raising r without alpha shrinks each direction's effect: keep
            alpha/r fixed, or use rsLoRA, when you compare ranks.
            """,
        defaults: ["r 8: PEFT, LLaMA-Factory, mlx-lm; r 16: TRL CLI, Unsloth; r 64: QLoRA, torchtune",
                   "TRL \"LoRA without regret\": up to 256 for large SFT, 1–32 for RL, all-linear"],
        uses: [.init("lora r=4 targets=all-linear as small", "a narrow adapter"),
               .init("lora r=64 alpha=128 targets=all-linear as wide", "a wide one"),
               .init("show params", "trainable counts by module"),
               .init("compare small wide on data.val", "which one generalises")],
        related: ["alpha", "lora", "overfitting"], tutorial: "02-rank-alpha-targets.md")

    static let alpha = Topic(
        "alpha", summary: "LoRA's scale: the update counts alpha/r times (rsLoRA: alpha/√r)",
        aliases: ["lora alpha", "scaling", "scale", "rslora"],
        body: """
            The adapter's output is multiplied by alpha/r. Because B starts at zero, the scale
            works much like a multiplier on the adapter's learning rate: doubling alpha roughly
            doubles how fast it moves at first.
            Dividing by r keeps the update's size similar across ranks, but makes high ranks
            learn slowly; rsLoRA divides by √r instead, which keeps training stable as r grows.
            Common rules: alpha = r (scale 1) or alpha = 2·r (scale 2). Tune lr or alpha, not
            both at once. Runtimes that only know alpha/r (llama.cpp) need alpha·√r written for
            an rsLoRA adapter, or it runs at the wrong strength.
            """,
        defaults: ["PEFT 8 (scale 1 at r 8); TRL CLI 32 at r 16; LLaMA-Factory 2·r; torchtune 2·rank",
                   "Unsloth alpha = r = 16; QLoRA paper 16 at r 64 (scale 0.25)",
                   "mlx-lm has no alpha: a fixed scale of 20 multiplies BA"],
        uses: [.init("lora r=16 alpha=32", "scale 2"),
               .init("lora r=64 alpha=16 rslora", "scale 16/√64 = 2"),
               .init("adapters", "each adapter's r, alpha and scale")],
        related: ["rank", "lr"], tutorial: "02-rank-alpha-targets.md")

    static let lr = Topic(
        "lr", summary: "learning rate: the size of each step, and its schedule",
        aliases: ["learning rate", "schedule", "warmup"],
        body: """
            The learning rate scales each optimizer step. Too high: the loss jumps, turns nan,
            or the model forgets what it knew. Too low: the loss barely moves and the steps teach
            nothing. It is the first setting to tune.
            LoRA wants rates about ten times higher than full fine-tuning, since only the small
            adapter moves; preference and RL training want rates far below SFT's.
            A schedule changes the rate over the run: warmup raises it from 0 over the first
            steps, then linear or cosine decay lowers it towards 0.
            Check: the loss should fall clearly within the first few tens of steps; if it rises
            or gives nan, divide lr by 3 to 10.
            """,
        defaults: ["TRL: SFT 2e-5 full / 2e-4 LoRA; DPO 5e-7 / 5e-6; GRPO 1e-6 / 1e-5",
                   "QLoRA 2e-4 (7B–13B); Unsloth 2e-4, 5e-6 for DPO and GRPO; mlx-lm 1e-5",
                   "torchtune 3e-4, cosine, 100 warmup steps; LLaMA-Factory 1e-4, cosine, 10% warmup"],
        uses: [.init("train data.train lr=2e-4 schedule=cosine warmup=20", "LoRA-sized rate"),
               .init("plot", "the loss curves"),
               .init("runs", "compare runs' final losses")],
        related: ["batch", "alpha", "overfitting"], tutorial: "01-first-lora.md")

    static let batch = Topic(
        "batch", summary: "batch size and gradient accumulation: effective batch = batch × accumulate",
        aliases: ["batch size", "accumulation", "accumulate", "gradient accumulation", "effective batch"],
        body: """
            The batch size is how many examples one step averages over. Larger batches give
            smoother gradients but cost memory: activations grow with batch × sequence length.
            Gradient accumulation runs several small batches, adds their gradients and steps once:
                effective batch = batch × accumulate   (× the number of devices)
            so batch=4 accumulate=8 updates like a batch of 32 with the memory of 4. The loss
            must be averaged over all tokens of the accumulated batch, not per small batch, or
            the update's size depends on accumulate (a bug several trainers shipped).
            When the effective batch changes, revisit lr; and on a small data set a big batch
            means few updates per epoch.
            """,
        defaults: ["QLoRA 1 × 16 accumulated; torchtune 4 × 8; LLaMA-Factory 1 × 8; mlx-lm 4",
                   "Stanford Alpaca 128; TRL \"LoRA without regret\": effective batch under 32 for LoRA"],
        uses: [.init("train data.train batch=4 accumulate=8", "an effective batch of 32"),
               .init("show memory batch=8 seq=512", "the memory a batch needs")],
        related: ["lr"], tutorial: "01-first-lora.md")

    static let data = Topic(
        "data", summary: "data quality: triplets, cleaning, diversity; quality beats quantity",
        aliases: ["data quality", "dataset", "data set", "cleaning", "triplets", "instruction"],
        body: """
            The data decides what the model learns; the settings only decide how fast. An
            instruction record is a triplet: the instruction (the task), an optional input (the
            material to work on) and the output (the answer, exactly as you want it written).
            Quality beats quantity: a thousand careful, varied examples often beat fifty thousand
            scraped ones (LIMA tuned a strong assistant on 1 000). Each bad example teaches its
            mistake.
            Clean: drop empty fields, exact and near duplicates, broken text, examples the
            sequence length would cut, and answers that contradict each other.
            Diversity: cover the real range of inputs (lengths, topics, phrasings, hard cases),
            or the model learns only the easy middle. Keep test examples out of training.
            Before training on any data set, read twenty random examples yourself.
            """,
        uses: [.init("load data FILE", "alpaca, prompt/completion, messages, text"),
               .init("stats NAME", "lengths, empties, duplicates, truncation"),
               .init("clean NAME near=0.8", "drop empties and near duplicates"),
               .init("show data NAME", "examples as the model sees them"),
               .init("split NAME val=0.1", "hold some out"),
               .init("world qa n=200 as qa", "a story-world data set to experiment with")],
        related: ["overfitting", "templates"], tutorial: "05-data-quality.md")

    static let tokenizer = Topic(
        "tokenizer", summary: "how text becomes token ids (BPE), and why it matters",
        aliases: ["tokenizers", "tokens", "bpe", "byte pair encoding", "vocabulary"],
        body: """
            A model never sees text, only token ids. Byte-pair encoding (BPE) builds the
            vocabulary: start from single bytes, count adjacent pairs in a corpus, merge the most
            frequent pair into a new token, and repeat until the vocabulary has the size wanted.
            Encoding applies the merges in the order they were learned; decoding joins the
            pieces back, so decode(encode(text)) == text.
            Why it matters: sequence length, memory and cost are counted in tokens, not words;
            text unlike the tokenizer's corpus (another language, code, numbers) splits into
            many more tokens. A fine-tuned model must keep its tokenizer: adding tokens resizes
            the embeddings, which adapters then have to carry. Special tokens (BOS, EOS, chat
            markers) are single ids the template relies on.
            """,
        uses: [.init("tokenize \"Hello, world\"", "the pieces and ids of a text"),
               .init("stats NAME seq=512", "token lengths, and what seq= would cut"),
               .init("tokenizer train corpus vocab=2048", "learn a BPE vocabulary")],
        related: ["templates", "data"], tutorial: "00-repl-tour.md")

    static let templates = Topic(
        "templates", summary: "prompt templates and EOS: train and serve with the same text",
        aliases: ["template", "chat template", "prompt template", "eos"],
        body: """
            A template turns a record into the exact text the model sees, with markers for who
            speaks: Alpaca ("### Instruction:" … "### Response:"), ChatML (<|im_start|>user …
            <|im_end|>), Llama 3 (<|start_header_id|>… <|eot_id|>). The loss is usually taken
            on the answer only.
            Why it matters: at inference the model must get the same template it was trained
            with, to the byte; a mismatch gives rambling, gibberish or endless output, the most
            common failure after exporting to llama.cpp or Ollama.
            The answer must end with the end-of-sequence token or the model never learns to
            stop; using EOS as padding and masking padding from the loss removes that lesson.
            A base model has no chat template: choose one and save it with the model.
            """,
        uses: [.init("template chatml", "the template data commands use"),
               .init("show data NAME n=1", "the text, trained tokens marked"),
               .init("generate \"Hi\" template=alpaca", "prompt in a template"),
               .init("save model out/m.gguf", "carries the template along")],
        related: ["data"], tutorial: "09-deploying.md")

    static let overfitting = Topic(
        "overfitting", summary: "learning the examples instead of the pattern; validation tells",
        aliases: ["overfit", "underfitting", "early stopping", "validation", "epochs"],
        body: """
            Overfitting: the model learns its training examples, nearly word for word, instead
            of the pattern behind them. Training loss keeps falling while the loss on held-out
            data stops falling, then rises; generations start to repeat training answers.
            Small data sets overfit fast: 200 examples for 10 epochs is 2 000 looks at the same
            texts. Always hold out a validation set (often 10%) and watch both curves.
            Remedies: fewer epochs (1–3 is typical), early stopping (stop when validation loss
            has not improved for a few evaluations), a lower lr or rank, adapter dropout,
            weight decay, and above all more, and more varied, data.
            Underfitting is the opposite: both losses stay high; train longer or raise lr.
            """,
        uses: [.init("split data val=0.1", "data.train and data.val"),
               .init("train data.train val=data.val eval_every=20 patience=3", "stop early"),
               .init("plot", "training and validation curves"),
               .init("eval data.test", "the held-out score")],
        related: ["eval", "data", "rank"], tutorial: "06-overfitting.md")

    static let forgetting = Topic(
        "forgetting", summary: "catastrophic forgetting: new training erases old skills",
        aliases: ["catastrophic forgetting", "catastrophic"],
        body: """
            Training on a narrow data set can erase what the model could do before: general
            knowledge, following instructions, other languages, code. The weights that served
            those skills move to fit the new task, and the training loss never notices.
            Signs: your task's loss falls while perplexity on general text rises; the model
            answers everything in the new format; it stops following its chat template.
            Remedies: LoRA rather than full fine-tuning (the base stays intact, and disabling
            the adapter gives it back); a lower rank, alpha or lr; fewer epochs or an earlier
            checkpoint; some general data mixed into the training set; and a general-text
            measurement before and after every run.
            """,
        uses: [.init("set general=tinystories", "eval then reports general perplexity"),
               .init("eval data.val", "task loss, and the drift on general text"),
               .init("disable adapter", "the base model, exactly"),
               .init("compare base default on tinystories", "base against adapter")],
        related: ["full", "lora", "eval"], tutorial: "04-full-vs-lora-forgetting.md")

    static let eval = Topic(
        "eval", summary: "evaluation: held-out data, loss and generation metrics",
        aliases: ["evaluation", "evaluate", "held out", "metrics", "perplexity", "test set"],
        body: """
            Evaluation answers two questions: did training help, and did it hurt? Write it
            before training: a held-out test set the model never sees, and the base model's
            numbers on it, so there is something to beat.
            Loss and perplexity (e^loss) measure how well the model predicts the reference
            answers; lower is better, and they are cheap. Generation metrics judge real answers:
            exact match, contains, ROUGE-L (the longest common subsequence's overlap). For
            open-ended answers, read samples side by side; any metric can be gamed.
            Keep three splits: train (to learn), validation (to choose settings and stop early)
            and test (looked at once, at the end). Also measure what must not be lost, such as
            general text, which catches forgetting.
            """,
        uses: [.init("split NAME val=0.1 test=0.1", "train, validation and test"),
               .init("eval NAME.test metrics=all n=20", "loss, perplexity, generation metrics"),
               .init("compare base default on NAME.test", "side by side")],
        related: ["overfitting", "forgetting"], tutorial: "06-overfitting.md")

    static let dpo = Topic(
        "dpo", summary: "direct preference optimisation: learn from chosen/rejected pairs",
        aliases: ["preference", "preferences", "orpo", "simpo", "ipo"],
        body: """
            DPO trains on pairs: for a prompt x, a chosen answer y_w and a rejected one y_l. It
            raises the chosen answer's probability relative to a frozen reference (the starting
            model) and lowers the rejected one's, with no reward model and no sampling:
              L = −log σ(β·[(log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))])
            β sets how far the model may move from the reference (smaller β: further). With a
            LoRA adapter the reference is the same model with the adapter switched off.
            Use it after SFT, when you can tell which of two answers is better but cannot easily
            write the best one. The loss starts at ln 2 ≈ 0.693; negative "rewards" are normal.
            Variants: IPO (a squared loss), ORPO (SFT plus odds ratio, no reference), SimPO
            (length-averaged, with a margin, no reference).
            """,
        defaults: ["TRL: β 0.1; lr 5e-6 with LoRA (5e-7 full); Unsloth 5e-6",
                   "SimPO authors: β 2.5, γ/β 0.55, lr 1e-6"],
        uses: [.init("dpo prefs.train beta=0.1 lr=5e-6 steps=100", "DPO after SFT"),
               .init("orpo prefs.train beta=0.1", "no reference model"),
               .init("compare base default on prefs.val", "did it move")],
        related: ["rlhf", "data"], tutorial: "07-dpo-and-rlhf.md")

    static let rlhf = Topic(
        "rlhf", summary: "reinforcement learning from a reward: PPO and GRPO",
        aliases: ["ppo", "grpo", "reinforcement learning", "rl", "reward", "reward model"],
        body: """
            The model writes answers, a reward scores them, and a policy-gradient update makes
            high-scoring answers more likely; a KL penalty to the reference keeps the model from
            drifting into text that games the reward.
            PPO (the InstructGPT recipe): a reward model trained on preference pairs with
            −log σ(r_chosen − r_rejected), a value model to estimate advantages, and a clipped
            update ratio (ε = 0.2). Powerful, but four models and many settings.
            GRPO: sample a group of G answers per prompt; advantage = (r − group mean) / group std,
            so no value model is needed; it suits rewards a rule can check (a right number, a
            format, a length).
            Use RL when answers can be scored but not written in advance, on a model that already
            succeeds sometimes (SFT first). Read samples: a rising reward may be reward hacking.
            """,
        defaults: ["TRL PPO: lr 3e-6, 4 PPO epochs, KL coefficient 0.05, clip 0.2, γ 1, λ 0.95",
                   "TRL GRPO: G 8, β 0 (no KL term), temperature 1, lr 1e-6 full / 1e-5 LoRA"],
        uses: [.init("reward train prefs.train", "a reward model from pairs"),
               .init("ppo PROMPTS reward=RULE", "PPO"),
               .init("grpo prompts.train reward=contains:happy group=8", "GRPO with a rule")],
        related: ["dpo"], tutorial: "07-dpo-and-rlhf.md")

    static let prompting = Topic(
        "prompting", summary: "try a prompt before training: the first rung of the ladder",
        aliases: ["prompt", "prompt engineering", "few shot", "fine tune or not", "when to fine tune"],
        body: """
            Before training anything, write a prompt: clear instructions, the output format
            spelled out, and 3–5 worked examples (few-shot) that differ from each other. It
            costs minutes, changes instantly, and cannot make the model forget anything.
            Test it as you would test a model: run it on ten real inputs that are not among its
            examples. If 8 of 10 are right, stop there.
            If it fails for lack of facts, add retrieval; if it fails on form, style or a narrow
            task and you have a few hundred good examples, fine-tune; if you can judge answers
            but not write them, add preference training after that. Each rung costs more (data,
            compute, upkeep) than the one before, and works better on top of it.
            """,
        uses: [.init("generate \"PROMPT\" temperature=0", "try it, deterministically"),
               .init("advise need=format examples=500", "the ladder for your case"),
               .init("explain rag", "the next rung for facts")],
        related: ["rag", "data", "eval"], tutorial: "08-prompt-rag-or-finetune.md")

    static let rag = Topic(
        "rag", summary: "retrieval-augmented generation: look facts up instead of training them",
        aliases: ["retrieval", "retrieval augmented generation", "bm25", "search"],
        body: """
            Instead of teaching the model facts, find the passages that answer the question and
            put them in the prompt. An index splits the documents into chunks; for each
            question the k best chunks are retrieved and placed before it.
            BM25 scores a chunk by the query words it contains, rare words counting more:
              score = Σ_q IDF(q) · f·(k1 + 1) / (f + k1·(1 − b + b·len/avglen))
            f: the word's count in the chunk; k1 ≈ 1.2–2 damps repeats; b = 0.75 corrects for
            length; IDF(q) = ln(1 + (N − n + 0.5)/(n + 0.5)) for a word in n of N chunks.
            Why it matters: changing facts need only re-indexing, not retraining; answers can
            cite their source; a small model stops guessing. Fine-tuning teaches form and
            behaviour far better than facts, and the two combine.
            """,
        uses: [.init("rag index DOCS", "chunk and index the documents"),
               .init("generate \"question\" rag=NAME k=3", "answer with 3 retrieved chunks"),
               .init("eval QUESTIONS rag=NAME", "compare with plain `eval QUESTIONS`")],
        related: ["eval", "data"], tutorial: "08-prompt-rag-or-finetune.md")
}
