/// The terms BM25 matches on. Deliberately simple and language-neutral: lowercase, then split
/// wherever a character is neither a letter nor a digit. Letters and digits outside ASCII stay
/// in their terms (`café`, `naïve`, `東京`), so non-English documents remain searchable; there is
/// no stemming and no stop-word list, which keeps scores easy to compute by hand.
public enum RetrievalTokenizer {
    public static func terms(_ text: String) -> [String] {
        var terms: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                terms.append(current)
                current = ""
            }
        }
        if !current.isEmpty { terms.append(current) }
        return terms
    }
}
