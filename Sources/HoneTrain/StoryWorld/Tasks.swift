import HoneTensor

/// One generated record, with what noise needs to corrupt it: whose facts it states and how to
/// state them for someone else (the "wrong facts" corruption).
struct TaskItem {
    var record: DataRecord
    var subject: StoryCharacter?
    var rewrite: ((StoryCharacter, inout RandomGenerator) -> String)?
}

/// The fact a question asks about.
enum WorldFact: CaseIterable {
    case home, town, house, petName, petKind, owner, food, colour, toy, friend, hobby

    var questions: [String] {
        switch self {
        case .home: ["Where does {name} live?", "Which street does {name} live on?", "Where is {name}'s home?", "Tell me where {name} lives."]
        case .town: ["Which town does {name} live in?", "What town is {name} from?", "In which town is {name}'s home?"]
        case .house: ["What is {name}'s house like?", "What kind of house does {name} live in?", "Describe {name}'s house."]
        case .petName: ["What is the name of {name}'s {kind}?", "What is {name}'s {kind} called?", "What is {name}'s pet called?", "What did {name} name {his} {kind}?"]
        case .petKind: ["What kind of pet does {name} have?", "What animal is {name}'s pet?", "Does {name} have a pet?"]
        case .owner: ["Who owns a {kind} called {pet}?", "Whose pet is {pet}?", "Who is {pet}'s owner?"]
        case .food: ["What is {name}'s favourite food?", "What does {name} like to eat?", "What food does {name} love?"]
        case .colour: ["What is {name}'s favourite colour?", "Which colour does {name} like best?", "What colour does {name} like?"]
        case .toy: ["What is {name}'s favourite toy?", "What does {name} like to play with?", "Which toy does {name} love most?"]
        case .friend: ["Who is {name}'s friend?", "Who is {name}'s best friend?", "Who does {name} play with?"]
        case .hobby: ["What does {name} like to do?", "What is {name}'s hobby?", "How does {name} spend {his} free time?"]
        }
    }

    /// The one canonical answer, so that a fine-tuned model's answers can be checked exactly.
    var answer: String {
        switch self {
        case .home: "{name} lives on {street} in {town}."
        case .town: "{name} lives in {town}."
        case .house: "{name} lives in {house}."
        case .petName: "{name}'s {kind} is called {pet}."
        case .petKind: "{name} has a {kind} called {pet}."
        case .owner: "{pet} is {name}'s {kind}."
        case .food: "{name}'s favourite food is {food}."
        case .colour: "{name}'s favourite colour is {colour}."
        case .toy: "{name}'s favourite toy is {atoy}."
        case .friend: "{name}'s best friend is {friend}."
        case .hobby: "{name} loves {hobby}."
        }
    }
}

/// The strict record formats of the `format` task.
enum WorldRecordShape: CaseIterable {
    case pet, address, person

    var instructions: [String] {
        switch self {
        case .pet: ["Give {name}'s pet as a record.", "Write {name}'s pet as a record.", "Describe {name}'s pet as a record.", "Show the record of {name}'s {kind}."]
        case .address: ["Give {name}'s address as a record.", "Write where {name} lives as a record.", "Show {name}'s address record."]
        case .person: ["Give {name}'s facts as a record.", "Write {name}'s profile as a record.", "Show the record for {name}."]
        }
    }

    func record(_ c: StoryCharacter) -> String {
        switch self {
        case .pet: "name: \(c.petName); kind: \(c.petKind); owner: \(c.name)"
        case .address: "name: \(c.name); street: \(c.street); town: \(c.town)"
        case .person: "name: \(c.name); town: \(c.town); pet: \(c.petName); food: \(c.food); colour: \(c.colour); friend: \(c.friend)"
        }
    }
}

/// The instruction, preference and prompt data sets.
extension StoryWorld {
    func cast(_ hero: StoryCharacter, _ group: [StoryCharacter], _ rng: inout RandomGenerator) -> Cast {
        plan(hero: hero, group: group, &rng).cast
    }

    static let storyRequests: [(instruction: String, shape: String)] = [
        ("Write a short story about {name}'s {kind}.", "pet"), ("Tell me a story about {pet}, {name}'s {kind}.", "pet"),
        ("Write a story about {name} at the {placeName}.", "place"), ("Write a short story about {name} going to the {placeName}.", "place"),
        ("Write a story about {name} and {friend}.", "friend"), ("Tell a story about {name} and {his} friend {friend}.", "friend"),
        ("Write a story in which {name} loses {his} {toy}.", "lost toy"), ("Write a story about a rainy day for {name}.", "rain"),
        ("Write a happy story about {name}.", "any"), ("Write a sad story about {name}.", "sad"),
        ("Tell me a short story about a {child} called {name}.", "any"), ("Write a story where {name} helps a hurt bird.", "hurt bird"),
    ]

    /// "Write a story about …" → a story that does what the instruction asks.
    func storyItems(_ n: Int, _ rng: inout RandomGenerator, group: [StoryCharacter]) -> [TaskItem] {
        (0..<n).map { _ in
            let hero = rng.pick(group)
            let request = rng.pick(Self.storyRequests)
            let problem = StoryProblem.all.first { $0.name == request.shape }
            let place: WorldPlace? = problem?.outdoorOnly == true ? rng.pick(WorldPlace.all.filter { !StoryProblem.indoorPlaces.contains($0.name) }) : nil
            var plan = self.plan(hero: hero, group: group, place: place, problem: problem, happy: request.shape != "sad", &rng)
            plan.petFirst = request.shape == "pet"
            let instruction = plan.cast.fill(request.instruction)
            let text = write(plan, &rng).text
            let fixed = plan
            return TaskItem(record: .instruction(instruction: instruction, input: "", output: text), subject: hero) { other, r in
                var p = fixed
                p.cast.hero = other
                return self.write(p, &r).text
            }
        }
    }

    /// Questions about characters' facts → the canonical answer.
    func questionItems(_ n: Int, _ rng: inout RandomGenerator, group: [StoryCharacter]) -> [TaskItem] {
        (0..<n).map { _ in
            let hero = rng.pick(group)
            let fact = rng.pick(WorldFact.allCases)
            let c = cast(hero, group, &rng)
            return TaskItem(record: .instruction(instruction: c.fill(rng.pick(fact.questions)), input: "", output: c.fill(fact.answer)),
                            subject: hero) { other, _ in var o = c; o.hero = other; return o.fill(fact.answer) }
        }
    }

    /// "Give Mia's pet as a record." → `name: Pip; kind: cat; owner: Mia`.
    func formatItems(_ n: Int, _ rng: inout RandomGenerator, group: [StoryCharacter]) -> [TaskItem] {
        (0..<n).map { _ in
            let hero = rng.pick(group)
            let shape = rng.pick(WorldRecordShape.allCases)
            let c = cast(hero, group, &rng)
            return TaskItem(record: .instruction(instruction: c.fill(rng.pick(shape.instructions)), input: "", output: shape.record(hero)),
                            subject: hero) { other, _ in shape.record(other) }
        }
    }

    /// Story beginnings with a happy (chosen) and a sad (rejected) ending; and questions with the
    /// right answer (chosen) and an off-topic one (rejected).
    func preferenceItems(_ n: Int, _ rng: inout RandomGenerator, group: [StoryCharacter]) -> [TaskItem] {
        (0..<n).map { _ in
            let hero = rng.pick(group)
            if rng.chance(0.6) {
                var plan = self.plan(hero: hero, group: group, happy: true, &rng)
                var start = rng  // the sad ending continues the same beginning
                let happy = write(plan, &rng)
                plan.happy = false
                let sad = write(plan, &start)
                return TaskItem(record: .preference(prompt: happy.beginning, chosen: happy.ending, rejected: sad.ending), subject: hero)
            }
            let fact = rng.pick(WorldFact.allCases)
            let c = cast(hero, group, &rng)
            let rejected: String
            if rng.chance(0.5) {
                rejected = rng.pick(WorldWords.offTopic)
            } else {
                var other = rng.pick(WorldFact.allCases)
                while other == fact || (other == .petName && fact == .petKind) || (other == .petKind && fact == .petName) { other = rng.pick(WorldFact.allCases) }
                rejected = c.fill(other.answer)
            }
            return TaskItem(record: .preference(prompt: c.fill(rng.pick(fact.questions)), chosen: c.fill(fact.answer), rejected: rejected), subject: hero)
        }
    }

    /// Story beginnings as prompts (for GRPO), each with a happy ending as its reference completion.
    func promptItems(_ n: Int, _ rng: inout RandomGenerator, group: [StoryCharacter]) -> [TaskItem] {
        (0..<n).map { _ in
            let hero = rng.pick(group)
            let story = write(plan(hero: hero, group: group, happy: true, &rng), &rng)
            return TaskItem(record: .promptCompletion(prompt: story.beginning, completion: story.ending), subject: hero)
        }
    }
}
