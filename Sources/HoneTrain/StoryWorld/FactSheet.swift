/// The fact sheet: one passage per character in a fixed wording, for retrieval. Unseen
/// characters' facts are written only here and in task data, never in the corpus.
extension StoryWorld {
    /// `hero`'s facts, every one, in one fixed wording that names the character in every
    /// sentence: a retriever then finds the passage by the name in a question, and a reader can
    /// copy the answer (the wording is the `qa` task's answers).
    public func factPassage(_ hero: StoryCharacter) -> String {
        let n = hero.name
        return "\(n) lives in \(hero.house) on \(hero.street) in \(hero.town). "
            + "\(n) has a \(hero.petKind) called \(hero.petName). "
            + "\(n)'s favourite food is \(hero.food). \(n)'s favourite colour is \(hero.colour). "
            + "\(n)'s favourite toy is \(Cast.article(hero.toy)). "
            + "\(n)'s best friend is \(hero.friend). "
            + "\(n) loves \(hero.hobby)."
    }

    /// The passages of `who`'s characters, separated by blank lines, in the world's order.
    public func factSheet(who: Group = .all) -> String {
        characters(who).map(factPassage).joined(separator: "\n\n") + "\n"
    }
}
