import HoneTensor

/// One person of the story world and the facts about them. Every fact is fixed by the world's
/// seed, so a question about it has exactly one right answer.
public struct StoryCharacter: Sendable, Equatable {
    public var name: String
    public var isGirl: Bool
    public var house: String
    public var street: String
    public var town: String
    public var petName: String
    public var petKind: String
    public var food: String
    public var colour: String
    public var toy: String
    public var hobby: String
    /// The best friend's name; always a character of the same group, so an unseen character's
    /// name never reaches text about the seen ones.
    public var friend: String
}

/// A small, fixed English world: ~40 characters whose facts the pretraining corpus teaches, 20
/// "unseen" characters who appear only in fact sheets and question sets (so retrieval can be
/// shown answering what the model never trained on), and the places, pets and things stories use.
/// The world depends only on `seed`; each data set takes its own seed for which texts it draws.
public struct StoryWorld: Sendable {
    /// Which characters a data set is about.
    public enum Group: String, Sendable, CaseIterable {
        /// The characters of the pretraining corpus.
        case seen
        /// The characters kept out of the corpus.
        case unseen
        case all
    }

    public let seed: UInt64
    /// The characters the corpus is about.
    public let seen: [StoryCharacter]
    /// The characters that appear only in fact sheets and task data.
    public let unseen: [StoryCharacter]

    public static let seenCount = 40
    public static let unseenCount = 20

    public init(seed: UInt64 = 0) {
        self.seed = seed
        var rng = RandomGenerator.stream(seed, 1)
        let names = rng.shuffled(WorldWords.girls.map { ($0, true) } + WorldWords.boys.map { ($0, false) })
        let pets = rng.shuffled(WorldWords.petNames)
        var people: [StoryCharacter] = []
        for (i, (name, girl)) in names.prefix(Self.seenCount + Self.unseenCount).enumerated() {
            people.append(StoryCharacter(
                name: name, isGirl: girl, house: rng.pick(WorldWords.houses), street: rng.pick(WorldWords.streets),
                town: rng.pick(WorldWords.towns), petName: pets[i], petKind: rng.pick(PetKind.all).name,
                food: rng.pick(WorldWords.foods), colour: rng.pick(WorldWords.colours), toy: rng.pick(WorldWords.toys),
                hobby: rng.pick(WorldWords.hobbies), friend: ""))
        }
        var seen = Array(people.prefix(Self.seenCount)), unseen = Array(people.dropFirst(Self.seenCount))
        Self.pairFriends(&seen, &rng)
        Self.pairFriends(&unseen, &rng)
        self.seen = seen
        self.unseen = unseen
    }

    /// Gives everyone a best friend from the same group, never themselves.
    static func pairFriends(_ group: inout [StoryCharacter], _ rng: inout RandomGenerator) {
        for i in group.indices {
            var j = rng.int(below: group.count - 1)
            if j >= i { j += 1 }
            group[i].friend = group[j].name
        }
    }

    /// The characters of `group`, seen first.
    public func characters(_ group: Group) -> [StoryCharacter] {
        switch group {
        case .seen: seen
        case .unseen: unseen
        case .all: seen + unseen
        }
    }

    /// The character named `name`, in either group.
    public func character(named name: String) -> StoryCharacter? {
        seen.first { $0.name == name } ?? unseen.first { $0.name == name }
    }
}
