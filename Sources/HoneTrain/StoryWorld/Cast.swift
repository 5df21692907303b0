/// The people, pet and place of one text, and the filling of `{key}` slots in a template with
/// them. Templates are plain strings so that a reader can see every sentence the world can say;
/// the filling is a single scan (no repeated string replacement), which keeps 40,000 documents
/// to seconds.
struct Cast: Sendable {
    var hero: StoryCharacter
    var friend: StoryCharacter
    var place: WorldPlace
    var weather: String
    var time: String
    var helper: String
    var activity: String

    var pet: PetKind { PetKind.all.first { $0.name == hero.petKind } ?? PetKind.all[0] }

    /// `template` with each `{key}` replaced; the first letter of the result is upper-cased.
    func fill(_ template: String) -> String {
        var out = ""
        out.reserveCapacity(template.utf8.count + 32)
        var key = ""
        var inKey = false
        for ch in template {
            if inKey {
                if ch == "}" { out += value(key); key = ""; inKey = false } else { key.append(ch) }
            } else if ch == "{" {
                inKey = true
            } else {
                out.append(ch)
            }
        }
        return Cast.capitalized(out)
    }

    static func capitalized(_ text: String) -> String {
        guard let first = text.first, first.isLowercase else { return text }
        return first.uppercased() + text.dropFirst()
    }

    static func article(_ noun: String) -> String {
        guard let f = noun.first else { return "a" }
        return "aeiou".contains(f) ? "an " + noun : "a " + noun
    }

    private func value(_ key: String) -> String {
        let h = hero, f = friend
        switch key {
        case "name": return h.name
        case "he": return h.isGirl ? "she" : "he"
        case "He": return h.isGirl ? "She" : "He"
        case "his": return h.isGirl ? "her" : "his"
        case "His": return h.isGirl ? "Her" : "His"
        case "him": return h.isGirl ? "her" : "him"
        case "child": return h.isGirl ? "girl" : "boy"
        case "pet": return h.petName
        case "kind": return h.petKind
        case "sound": return pet.sound
        case "move": return pet.move
        case "happy": return pet.happy
        case "likes": return pet.likes
        case "toy": return h.toy
        case "atoy": return Cast.article(h.toy)
        case "food": return h.food
        case "colour": return h.colour
        case "hobby": return h.hobby
        case "house": return h.house
        case "street": return h.street
        case "town": return h.town
        case "friend": return f.name
        case "fhe": return f.isGirl ? "she" : "he"
        case "fHe": return f.isGirl ? "She" : "He"
        case "fhis": return f.isGirl ? "her" : "his"
        case "fhim": return f.isGirl ? "her" : "him"
        case "fpet": return f.petName
        case "fkind": return f.petKind
        case "ffood": return f.food
        case "fcolour": return f.colour
        case "ftoy": return f.toy
        case "fhobby": return f.hobby
        case "place": return place.the
        case "placeName": return place.name
        case "at": return place.at
        case "weather": return weather
        case "time": return time
        case "helper": return helper
        case "Helper": return Cast.capitalized(helper)
        case "activity": return activity
        default: preconditionFailure("story template has an unknown slot {\(key)}")
        }
    }
}
