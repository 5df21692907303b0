import HoneTensor

/// `precision=fp32|bf16`: declared once here, listed by the commands that compute with a model
/// (`train`, the preference and RL commands, `reward train`, `eval`, `compare`, `generate`),
/// and resolved for every command by the registry, so the session's `set precision=` reaches
/// all of them and an argument overrides it for one call.
enum PrecisionChoice {
    static let argument = Arg<String>.option(
        "precision", .choice(Precision.allCases.map(\.rawValue)),
        help: "fp32, or bf16 mixed precision: products take bf16 inputs and sum in FP32; norms, softmax, losses and optimizer state stay FP32 (default: the session's `precision`)")

    /// The command's `precision=` when it declares one and it was given, else the session's.
    /// The first bf16 request on a CPU where it falls back to FP32 products says so, once.
    static func requested(by command: any Command.Type, _ arguments: BoundArguments, in context: CommandContext) -> Precision {
        var chosen = Precision.current
        if case .string(let word)? = context.session.options["precision"], let precision = Precision(rawValue: word) { chosen = precision }
        if command.spec.arguments.contains(where: { $0.name == argument.spec.name }), let given = arguments.optional(argument),
           let precision = Precision(rawValue: given) {
            chosen = precision
        }
        if chosen == .bf16, !Precision.bfloat16Path.computesInBFloat16, !context.session.toldAboutPrecisionFallback {
            context.session.toldAboutPrecisionFallback = true
            context.say("note: \(Precision.bfloat16Path.description); decoding (a few rows at a time) still reads the weights' bf16 copies")
        }
        return chosen
    }
}
