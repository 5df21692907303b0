import HoneTensor

/// The commands a session knows. `builtins` is the one hand-kept list of command types (a test
/// checks that every `Command` in `Commands/` is on it); everything else is derived from specs.
public struct CommandRegistry: Sendable {
    public static let builtins: [any Command.Type] = [
        HelpCommand.self,
        ExplainCommand.self,
        AdviseCommand.self,
        LetCommand.self,
        ForCommand.self,
        IfCommand.self,
        PrintCommand.self,
        SetCommand.self,
        ShowVarsCommand.self,
        ShowSessionCommand.self,
        HistoryCommand.self,
        HistorySaveCommand.self,
        ResetCommand.self,
        RunCommand.self,
        TimeCommand.self,
        AssertCommand.self,
        SleepCommand.self,
        LoadModelCommand.self,
        ModelsCommand.self,
        UseCommand.self,
        ShowModelCommand.self,
        GenerateCommand.self,
        TokenizeCommand.self,
        SaveModelCommand.self,
        ExportTRLCommand.self,
        ExportAxolotlCommand.self,
        NewModelCommand.self,
        TokenizerTrainCommand.self,
        LoraCommand.self,
        DoraCommand.self,
        AdaptersCommand.self,
        UseAdapterCommand.self,
        DisableAdapterCommand.self,
        EnableAdapterCommand.self,
        DeleteAdapterCommand.self,
        MergeCommand.self,
        UnmergeCommand.self,
        ShowParamsCommand.self,
        SaveAdapterCommand.self,
        LoadAdapterCommand.self,
        QuantizeCommand.self,
        QLoraCommand.self,
        LoadDataCommand.self,
        DataSetsCommand.self,
        SplitCommand.self,
        StatsCommand.self,
        ShowDataCommand.self,
        SaveDataCommand.self,
        CleanCommand.self,
        RagIndexCommand.self,
        RagSearchCommand.self,
        TemplateCommand.self,
        WorldCommand.self,
        TrainCommand.self,
        ResumeCommand.self,
        RunsCommand.self,
        RunsDiffCommand.self,
        SnapshotSaveCommand.self,
        SnapshotRestoreCommand.self,
        SnapshotsCommand.self,
        EvalCommand.self,
        CompareCommand.self,
        ChatCommand.self,
        ChatResetCommand.self,
        ChatUndoCommand.self,
        ChatRetryCommand.self,
        ChatSetCommand.self,
        ChatCompareCommand.self,
        ChatSystemCommand.self,
        ChatFixCommand.self,
        ChatPreferCommand.self,
        ChatLabelCommand.self,
        ChatSaveCommand.self,
        PlotCommand.self,
        ShowMemoryCommand.self,
        DPOCommand.self,
        ORPOCommand.self,
        SimPOCommand.self,
        GRPOCommand.self,
        PPOCommand.self,
        RewardTrainCommand.self,
        ScoreCommand.self,
        UnloadCommand.self,
        ExitCommand.self,
        QuitCommand.self,
    ]

    public static let standard = CommandRegistry(builtins)

    public let commands: [any Command.Type]
    /// When set, heavy commands only bind their arguments and return `none` (the fuzz test).
    public let usesStandIns: Bool
    private let byName: [String: any Command.Type]

    public init(_ commands: [any Command.Type], usesStandIns: Bool = false) {
        self.commands = commands
        self.usesStandIns = usesStandIns
        var byName: [String: any Command.Type] = [:]
        for command in commands { byName[command.spec.name] = command }
        self.byName = byName
    }

    /// The same commands, with every heavy one replaced by a stand-in.
    public func replacingHeavyCommands() -> CommandRegistry {
        CommandRegistry(commands, usesStandIns: true)
    }

    public func command(named words: [String]) -> (any Command.Type)? {
        byName[words.joined(separator: " ")]
    }

    public var commandNames: [String] { commands.map { $0.spec.name } }

    /// Every word that starts a command, for parsing and suggestions.
    public var firstWords: [String] {
        var seen = Set<String>()
        return commands.compactMap { seen.insert($0.spec.words[0]).inserted ? $0.spec.words[0] : nil }
    }

    public func hasTwoWordCommands(startingWith word: String) -> Bool {
        commands.contains { $0.spec.words.count == 2 && $0.spec.words[0] == word }
    }

    func run(_ command: any Command.Type, _ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        if usesStandIns && command.spec.isHeavy { return .none }
        let precision = PrecisionChoice.requested(by: command, arguments, in: context)
        return try Precision.$current.withValue(precision) { try command.run(arguments, in: context) }
    }
}
