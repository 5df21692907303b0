/// The fact sheet: one passage per character in a fixed wording, for retrieval. Unseen
/// characters' facts are written only here and in task data, never in the corpus.
extension StoryWorld {
    /// `hero`'s facts, every one, in one fixed wording.
    public func factPassage(_ hero: StoryCharacter) -> String {
        let he = hero.isGirl ? "She" : "He", his = hero.isGirl ? "Her" : "His"
        return "\(hero.name) lives in \(hero.house) on \(hero.street) in \(hero.town). "
            + "\(he) has a \(hero.petKind) called \(hero.petName). "
            + "\(his) favourite food is \(hero.food), and \(hero.isGirl ? "her" : "his") favourite colour is \(hero.colour). "
            + "\(his) favourite toy is \(Cast.article(hero.toy)). "
            + "\(his) best friend is \(hero.friend). "
            + "\(he) loves \(hero.hobby)."
    }

    /// The passages of `who`'s characters, separated by blank lines, in the world's order.
    public func factSheet(who: Group = .all) -> String {
        characters(who).map(factPassage).joined(separator: "\n\n") + "\n"
    }
}
