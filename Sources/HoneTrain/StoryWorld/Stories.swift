import HoneTensor

/// What a story is about, chosen before it is written, so that an instruction ("a story about
/// Tom at the beach") and the story it asks for agree.
struct StoryPlan: Sendable {
    var cast: Cast
    var problem: StoryProblem
    var happy: Bool
    /// An opening that puts the pet first (for "a story about Mia's cat").
    var petFirst = false
}

/// A story in two halves: the beginning up to the trouble, and its ending (happy or sad).
struct StoryText: Sendable {
    var beginning: String
    var ending: String
    var text: String { beginning + " " + ending }
}

/// Short stories, fact paragraphs and dialogues about the world's characters.
extension StoryWorld {
    static let openings = [
        "One {weather} {time}, {name} went to the {placeName} with {his} {kind}, {pet}.",
        "{name} and {his} best friend {friend} walked to the {placeName} one {weather} {time}.",
        "It was a {weather} {time} in {town}. {name} took {his} {kind} {pet} to the {placeName}.",
        "{name} lived in {house} on {street}. One {time}, {he} went to the {placeName} with {friend}.",
        "Once upon a time, there was a {child} called {name} who had a {kind} called {pet}. One {weather} {time}, they went to the {placeName}.",
        "{name} woke up early. \"Let's go to the {placeName} today!\" {he} said to {pet}, {his} {kind}.",
        "On a {weather} {time}, {name} and {friend} met {at}. {name} had brought {his} {kind}, {pet}.",
        "{name} loved {hobby}, but today {he} wanted to go to the {placeName}. {He} took {pet} along.",
        "The sun was up, and it was a {weather} {time}. {name} put on {his} shoes and set off for the {placeName}.",
        "\"Can we go to the {placeName}?\" {name} asked {helper}. \"Yes, if you take {pet} with you,\" came the answer.",
        "{name} and {friend} were bored at home, so they went to the {placeName} with {pet}.",
        "Every {time}, {name} liked to visit the {placeName}. Today {friend} came too.",
        "{name} looked out of the window. It was {weather} outside. \"Today we will go to the {placeName},\" {he} said.",
        "After breakfast, {name} ran all the way from {street} to the {placeName}.",
        "It was {weather}, and {name} did not want to stay inside. {He} went to the {placeName}.",
        "{name} had been waiting all week to go to the {placeName}, and at last the day had come.",
        "{Helper} had promised to take {name} to the {placeName}, and this {time} they went.",
    ]
    /// Said after an opening that does not name the pet or the friend, so neither turns up
    /// in the story unannounced.
    static let petIntroductions = [
        "{His} {kind}, {pet}, came too.", "{pet}, {his} little {kind}, {move} along behind {him}.",
        "{name} took {his} {kind} {pet} along.", "{pet} the {kind} came with {him}, as always.",
    ]
    static let friendIntroductions = [
        "{friend} came along too.", "On the way, {name} met {his} best friend, {friend}.",
        "{His} best friend {friend} was already there.", "{friend}, {his} best friend, was waiting for {him}.",
    ]
    static let petOpenings = [
        "There was once a little {kind} called {pet}. {pet} lived with {name} in {house} on {street}. One {time}, they went to the {placeName} together.",
        "{pet} was {name}'s {kind}, and {pet} loved {likes}. One {weather} {time}, {name} took {pet} to the {placeName}.",
        "{name} had a {kind} called {pet}. Every day, {pet} {sound} at the door until {name} took it out. Today they went to the {placeName}.",
        "In {town}, there lived a {kind} called {pet}. {pet} belonged to a {child} called {name}. One {weather} {time}, they went to the {placeName}.",
    ]
    static let middles = [
        "{name} {activity}.", "First, they {activity}.", "They {activity} for a while.", "{name} and {pet} {activity}.",
        "{pet} {happy}.", "{pet} {sound} happily.", "{friend} and {name} {activity}, laughing all the time.",
        "{name} felt very happy {at}.", "{name} laughed and {activity}.", "{pet} {move} around and {sound}.",
        "For a long time, they {activity}.", "{friend} and {name} {activity} together.",
        "\"I love it here,\" said {name}.", "Everything was going well.",
    ]
    static let happyEndings = [
        "When they got home, {name} told {helper} all about the day.", "It was the best day ever.",
        "{name} smiled. {He} knew that friends always help each other.",
        "That night, {name} fell asleep with a happy smile, and {pet} slept at the foot of the bed.",
        "\"Let's come back tomorrow,\" said {name}, and {friend} nodded.", "{pet} {happy}, and everyone laughed.",
        "They walked home together, tired and happy.", "After that, they had {food} for tea.",
        "{name} hugged {pet}. \"What a day!\" {he} said.", "From that day on, {name} always remembered to be brave.",
        "{name} and {friend} promised to come back soon.", "On the way home, {pet} {happy}.",
        "At home, {helper} made {food}, and {name} ate it all up.", "{name} went to bed early, dreaming of the {placeName}.",
        "\"Thank you, {friend},\" said {name}. \"You are the best friend ever.\"", "{name} could not stop smiling all evening.",
        "It had been a long day, but a very good one.", "{pet} curled up next to {name}, and they both fell asleep.",
        "The sun was going down as they walked back to {street}.", "{name} drew a picture of the day and put it on the wall.",
    ]
    static let sadEndings = [
        "{name} walked home slowly. It was not a good day.", "That night, {name} cried a little before {he} went to sleep.",
        "{He} did not want to go to the {placeName} again.", "Nobody smiled on the way home.",
        "{name} sat by the window and looked at the grey sky.", "It was a sad day for {name}.",
        "Even {pet} was quiet that evening.", "{name} did not feel like eating {food} that night.",
        "{friend} waved goodbye, but {name} did not wave back.", "The {placeName} did not seem like a fun place any more.",
    ]

    /// A random plan about `hero`, with the parts a caller fixes left as given.
    func plan(hero: StoryCharacter, group: [StoryCharacter], place: WorldPlace? = nil, problem: StoryProblem? = nil,
              happy: Bool? = nil, _ rng: inout RandomGenerator) -> StoryPlan {
        let friend = group.first { $0.name == hero.friend } ?? hero
        let chosenPlace = place ?? rng.pick(WorldPlace.all)
        let indoor = StoryProblem.indoorPlaces.contains(chosenPlace.name)
        var chosenProblem = problem ?? rng.pick(StoryProblem.all)
        while problem == nil, indoor, chosenProblem.outdoorOnly { chosenProblem = rng.pick(StoryProblem.all) }
        let cast = Cast(hero: hero, friend: friend, place: chosenPlace, weather: rng.pick(WorldWords.weathers),
                        time: rng.pick(WorldWords.times), helper: rng.pick(WorldWords.helpers), activity: rng.pick(chosenPlace.activities))
        return StoryPlan(cast: cast, problem: chosenProblem, happy: happy ?? rng.chance(0.85))
    }

    /// The story of `plan`: an opening, a sentence or two about the place, the trouble, and an
    /// ending, happy or sad as the plan says.
    func write(_ plan: StoryPlan, _ rng: inout RandomGenerator) -> StoryText {
        let c = plan.cast, p = plan.problem
        let opening = rng.pick(plan.petFirst ? Self.petOpenings : Self.openings)
        var begin: [String] = [c.fill(opening)]
        if !opening.contains("{pet}") { begin.append(c.fill(rng.pick(Self.petIntroductions))) }
        if !opening.contains("{friend}") { begin.append(c.fill(rng.pick(Self.friendIntroductions))) }
        let details = rng.shuffled(c.place.details)
        begin.append(details[0])
        if rng.chance(0.4) { begin.append(details[1]) }
        let middles = rng.shuffled(Self.middles)
        if rng.chance(0.8) { begin.append(c.fill(middles[0])) }
        if rng.chance(0.4) { begin.append(c.fill(middles[1])) }
        begin.append(c.fill(rng.pick(p.start)))
        begin.append(c.fill(rng.pick(p.tryAlone)))
        var end: [String] = []
        if plan.happy {
            end.append(c.fill(rng.pick(p.help)))
            end.append(c.fill(rng.pick(p.solved)))
            let endings = rng.shuffled(Self.happyEndings)
            end.append(c.fill(endings[0]))
            if rng.chance(0.4) { end.append(c.fill(endings[1])) }
        } else {
            if rng.chance(0.5) { end.append(c.fill(rng.pick(p.help))) }
            end.append(c.fill(rng.pick(p.failed)))
            let endings = rng.shuffled(Self.sadEndings)
            end.append(c.fill(endings[0]))
            if rng.chance(0.3) { end.append(c.fill(endings[1])) }
        }
        return StoryText(beginning: begin.joined(separator: " "), ending: end.joined(separator: " "))
    }

    static let factSentences: [[String]] = [
        ["{name} lives in {town}.", "{name} is a {child} from {town}.", "This is {name}. {He} lives in {town}.", "{name} is a {child} who lives in {town}."],
        ["{He} lives in {house} on {street}.", "{His} home is {house} on {street}.", "{name}'s house is on {street}. It is {house}."],
        ["{name} has a {kind} called {pet}.", "{His} {kind} is called {pet}.", "{pet} is {name}'s {kind}.", "{name} has a pet {kind}. Its name is {pet}."],
        ["{name} likes {food}.", "{His} favourite food is {food}.", "{He} loves to eat {food}.", "More than anything, {name} likes {food}."],
        ["{His} favourite colour is {colour}.", "{name} likes the colour {colour} best.", "{name}'s favourite colour is {colour}."],
        ["{His} favourite toy is {atoy}.", "{name} likes to play with {his} {toy}.", "{name}'s favourite toy is {atoy}."],
        ["{His} best friend is {friend}.", "{name} and {friend} are best friends.", "{name}'s best friend is {friend}."],
        ["{He} loves {hobby}.", "In {his} free time, {name} likes {hobby}.", "{name}'s hobby is {hobby}."],
    ]

    /// A paragraph of `hero`'s facts in a random wording and order (the first sentence first).
    func factParagraph(_ hero: StoryCharacter, group: [StoryCharacter], _ rng: inout RandomGenerator) -> String {
        let cast = plan(hero: hero, group: group, &rng).cast
        let rest = rng.shuffled(Array(Self.factSentences.dropFirst())).prefix(4 + rng.int(below: 4))
        return ([rng.pick(Self.factSentences[0])] + rest.map { rng.pick($0) }).map(cast.fill).joined(separator: " ")
    }

    static let dialogueIntros = [
        "{name} met {friend} {at}.", "One {time}, {friend} came to see {name}.", "{name} and {friend} were sitting {at}.",
        "It was a {weather} {time}. {name} ran to meet {friend} {at}.",
    ]
    static let exchanges: [[String]] = [
        ["\"Hello, {friend}!\" said {name}. \"Do you want to play?\"", "\"Yes, please!\" said {friend}. \"Let's go to {place}.\""],
        ["\"What are you eating?\" asked {friend}.", "\"I am eating {food},\" said {name}. \"I love {food} more than anything.\""],
        ["\"Where is {pet}?\" asked {friend}.", "\"{pet} is at home,\" said {name}. \"My {kind} likes {likes}.\""],
        ["\"Look at my {toy},\" said {name}.", "\"What a nice {toy}!\" said {friend}. \"Can I try?\""],
        ["\"Which colour do you like best?\" asked {friend}.", "\"I like {colour} best,\" said {name}. \"What about you?\"", "\"I like {fcolour},\" said {friend}."],
        ["\"What do you like to do?\" asked {friend}.", "\"I love {hobby},\" said {name}.", "\"I love {fhobby},\" said {friend}."],
        ["\"How is your {fkind}?\" asked {name}.", "\"{fpet} is very well,\" said {friend}. \"Thank you for asking.\""],
        ["\"Can I come to your house?\" asked {friend}.", "\"Yes! I live on {street},\" said {name}. \"It is {house}.\""],
        ["\"Are you hungry?\" asked {name}.", "\"Yes, I would love some {ffood},\" said {friend}.", "\"I like {food} better,\" said {name}, and they laughed."],
        ["\"Is {pet} a good {kind}?\" asked {friend}.", "\"The best!\" said {name}. \"{pet} {sound} when I come home.\""],
        ["\"What shall we do today?\" asked {friend}.", "\"Let's play with my {toy},\" said {name}."],
        ["\"Do you like living in {town}?\" asked {friend}.", "\"Yes, I do,\" said {name}. \"Our street is very nice.\""],
    ]
    static let dialogueEnds = [
        "Then they played together until it was time to go home.", "\"See you tomorrow!\" said {name}, and {friend} waved.",
        "They laughed and walked home together.", "It was a happy day for both of them.",
        "Then {friend} had to go home, so {fhe} said goodbye.", "\"You are my best friend,\" said {name}, and {friend} smiled.",
        "They sat {at} and talked until the sun went down.",
    ]

    /// A short conversation between `hero` and their best friend, true to both of their facts.
    func dialogue(_ hero: StoryCharacter, group: [StoryCharacter], _ rng: inout RandomGenerator) -> String {
        let cast = plan(hero: hero, group: group, &rng).cast
        var lines = [cast.fill(rng.pick(Self.dialogueIntros))]
        for exchange in rng.shuffled(Self.exchanges).prefix(2 + rng.int(below: 3)) { lines += exchange.map(cast.fill) }
        lines.append(cast.fill(rng.pick(Self.dialogueEnds)))
        return lines.joined(separator: "\n")
    }

    /// Corpus documents about `who`'s characters: about 65% stories, 20% fact paragraphs and 15%
    /// dialogues. Document `i` depends only on the seed and `i`'s stream position, never on the
    /// process.
    public func corpus(documents: Int, seed: UInt64 = 0, who: Group = .seen) -> [String] {
        drawDocuments(documents, rng: RandomGenerator.stream(seed, 100), group: characters(who))
    }

    /// Held-out text for a forgetting check: documents like the corpus's, about the same world,
    /// but drawn from another stream, so they are not the corpus's documents.
    public func general(documents: Int, seed: UInt64 = 0, who: Group = .seen) -> [String] {
        drawDocuments(documents, rng: RandomGenerator.stream(seed, 200), group: characters(who))
    }

    private func drawDocuments(_ n: Int, rng start: RandomGenerator, group: [StoryCharacter]) -> [String] {
        var rng = start
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<max(0, n) {
            let hero = rng.pick(group)
            let roll = rng.nextDouble()
            if roll < 0.65 {
                out.append(write(plan(hero: hero, group: group, &rng), &rng).text)
            } else if roll < 0.85 {
                out.append(factParagraph(hero, group: group, &rng))
            } else {
                out.append(dialogue(hero, group: group, &rng))
            }
        }
        return out
    }
}
