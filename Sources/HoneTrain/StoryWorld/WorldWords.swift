/// The words the story world is built from. They are plain Swift arrays, so the world is the same
/// on every machine and a reader can see the whole vocabulary in one place. Names are chosen so
/// that none is also a common word in the stories (no "Will", "Rose" or "Ray"); that keeps the
/// check "an unseen character never appears in the corpus" a simple word search.
enum WorldWords {
    static let girls = ["Mia", "Lily", "Anna", "Emma", "Zoe", "Ella", "Ruby", "Grace", "Lucy", "Rosa",
                        "Amy", "Kate", "Ivy", "Nora", "Alice", "Molly", "Hannah", "Sara", "Jenny", "Poppy",
                        "Clara", "Maya", "Eva", "Holly", "Lena", "Julia", "Nina", "Olive", "Tess", "Wendy"]
    static let boys = ["Tom", "Ben", "Sam", "Max", "Leo", "Jack", "Finn", "Noah", "Jake", "Luke",
                       "Adam", "Owen", "Dan", "Harry", "Oscar", "Theo", "Toby", "Alex", "Eli", "Joe",
                       "Ned", "Paul", "Ryan", "Kai", "Hugo", "Leon", "Milo", "Carl", "Fred", "Otto"]
    /// Pet names, one per character, none a word the stories use otherwise.
    static let petNames = ["Pip", "Rex", "Bella", "Coco", "Biscuit", "Luna", "Toffee", "Patch", "Buttons", "Ziggy",
                           "Noodle", "Whiskers", "Fluffy", "Dotty", "Fizz", "Nibbles", "Bramble", "Clover", "Jasper", "Kiki",
                           "Lulu", "Nutmeg", "Otis", "Pickles", "Poppet", "Sprout", "Tumble", "Wiggles", "Zip", "Bo",
                           "Gus", "Hops", "Quill", "Roly", "Sparky", "Tango", "Truffle", "Waffles", "Yoyo", "Zuzu",
                           "Blossom", "Rufus", "Mittens", "Bonnie", "Cosmo", "Dandy", "Fergus", "Gizmo", "Hector", "Inky",
                           "Juno", "Krispin", "Lottie", "Monty", "Nell", "Ollie", "Percy", "Rocco", "Smudge", "Taffy"]
    static let towns = ["Oakford", "Brookfield", "Millbrook", "Greenwood", "Sandy Bay", "Little Hill", "Ashby", "Fernley"]
    static let streets = ["Willow Lane", "Oak Street", "Mill Road", "Apple Lane", "River Road", "Hill Street",
                          "Bell Street", "Cherry Lane", "Station Road", "Park Road", "Green Street", "Baker Street",
                          "Pond Lane", "Maple Lane", "Church Road", "Honey Lane", "Meadow Way", "Fox Lane"]
    static let houses = ["a blue house", "a little white house", "a yellow house with a red door", "a small house by the river",
                         "a cottage near the hill", "a flat above the bakery", "a green house with a big garden",
                         "a tall red house", "an old stone house", "a pink house with a round window",
                         "a wooden house near the woods", "a house with a blue gate"]
    static let foods = ["red apples", "honey cake", "pancakes", "strawberries", "carrot soup", "cheese sandwiches",
                        "banana bread", "plum jam", "warm bread", "pears", "cherries", "blueberry muffins",
                        "tomato soup", "chocolate cake", "lemon cake", "oat cookies", "grapes", "peach pie",
                        "rice pudding", "egg sandwiches", "pea soup", "jam tarts"]
    static let colours = ["red", "blue", "green", "yellow", "orange", "purple", "pink", "white", "brown", "gold"]
    static let toys = ["kite", "wooden train", "toy boat", "teddy bear", "ball", "yo-yo", "spinning top", "toy car",
                       "rag doll", "drum", "puzzle", "box of crayons", "little robot", "paper plane", "toy rocket",
                       "puppet", "bag of marbles", "jump rope", "toy horse", "music box"]
    static let hobbies = ["painting pictures", "reading books", "singing songs", "drawing animals", "playing football",
                          "planting flowers", "baking cakes", "riding a bike", "playing the piano", "collecting shells",
                          "fishing", "dancing", "climbing trees", "flying kites", "counting stars", "telling jokes",
                          "making paper boats", "swimming", "running races", "watching birds", "playing chess",
                          "building towers of blocks"]
    static let weathers = ["sunny", "windy", "cloudy", "warm", "cold", "bright", "grey", "quiet", "lovely", "fine"]
    static let times = ["morning", "afternoon", "evening", "Saturday", "Sunday", "day", "summer day", "spring morning", "autumn day"]
    static let offTopic = ["The moon is very far away.", "Some trains are long and some trains are short.",
                           "I like the sound of rain on the roof.", "Bread is made from flour and water.",
                           "There are seven days in a week.", "A spider has eight legs.", "The sea is full of salt water.",
                           "Snow is cold and white.", "Cows eat grass all day.", "It is fun to count the clouds.",
                           "Bees make honey in their hive.", "The clock in the square rings at noon."]
    static let helpers = ["Mum", "Dad", "Grandma", "Grandpa", "the old farmer", "the kind baker", "the teacher"]
}

/// A kind of pet and how it behaves, so stories can say what it does.
struct PetKind: Sendable {
    let name: String
    let sound: String      // past tense: "barked"
    let move: String       // past tense: "ran"
    let happy: String      // "wagged its tail"
    let likes: String      // "chasing sticks"

    static let all: [PetKind] = [
        PetKind(name: "dog", sound: "barked", move: "ran", happy: "wagged its tail", likes: "chasing sticks"),
        PetKind(name: "cat", sound: "purred", move: "crept", happy: "rubbed against their legs", likes: "sleeping in the sun"),
        PetKind(name: "rabbit", sound: "thumped its foot", move: "hopped", happy: "twitched its nose", likes: "eating carrots"),
        PetKind(name: "duck", sound: "quacked", move: "waddled", happy: "flapped its wings", likes: "splashing in puddles"),
        PetKind(name: "puppy", sound: "yapped", move: "ran", happy: "jumped up and down", likes: "playing with balls"),
        PetKind(name: "kitten", sound: "mewed", move: "crept", happy: "purred softly", likes: "playing with string"),
        PetKind(name: "pony", sound: "neighed", move: "trotted", happy: "shook its mane", likes: "eating apples"),
        PetKind(name: "goat", sound: "bleated", move: "skipped", happy: "kicked up its heels", likes: "eating everything"),
        PetKind(name: "parrot", sound: "squawked", move: "flew", happy: "sang a little song", likes: "saying hello"),
        PetKind(name: "hamster", sound: "squeaked", move: "scurried", happy: "stuffed its cheeks", likes: "running in its wheel"),
        PetKind(name: "tortoise", sound: "blinked slowly", move: "walked slowly", happy: "stretched out its neck", likes: "eating lettuce"),
        PetKind(name: "mouse", sound: "squeaked", move: "scurried", happy: "cleaned its whiskers", likes: "eating cheese"),
    ]
}

/// A place a story can happen, with words to describe it and things to do there.
struct WorldPlace: Sendable {
    let name: String          // "park"
    let preposition: String   // "at", "in", "on", "by"
    let details: [String]
    let activities: [String]  // past tense verb phrases

    var the: String { "the " + name }
    var at: String { preposition + " the " + name }

    static let all: [WorldPlace] = [
        WorldPlace(name: "park", preposition: "at", details: ["The grass was soft and green.", "Children were playing on the swings.", "Ducks were swimming on the little pond.", "There were tall trees and a long slide."],
                   activities: ["played on the swings", "went down the slide", "ran across the grass", "fed bread to the ducks"]),
        WorldPlace(name: "forest", preposition: "in", details: ["The trees were very tall.", "Birds were singing high in the branches.", "The path was covered with leaves.", "It was quiet and cool under the trees."],
                   activities: ["looked for pine cones", "walked along the path", "listened to the birds", "built a little hut of sticks"]),
        WorldPlace(name: "beach", preposition: "at", details: ["The sand was warm and the waves were small.", "Seagulls were flying over the water.", "The sea was blue and calm.", "There were shells all over the sand."],
                   activities: ["built a sandcastle", "looked for shells", "splashed in the waves", "ran along the sand"]),
        WorldPlace(name: "bakery", preposition: "at", details: ["The bakery smelled of fresh bread.", "There were cakes and buns in the window.", "The baker wore a white hat.", "The shop was warm and busy."],
                   activities: ["chose a sweet bun", "watched the baker make bread", "bought a loaf of bread", "looked at all the cakes"]),
        WorldPlace(name: "school", preposition: "at", details: ["The classroom was bright and full of books.", "The teacher smiled at everyone.", "There were pictures on every wall.", "The bell rang for playtime."],
                   activities: ["read a book", "painted a picture", "sang a song with the class", "played in the yard"]),
        WorldPlace(name: "farm", preposition: "on", details: ["There were cows, sheep and hens.", "The barn was big and red.", "The farmer was feeding the pigs.", "The fields were full of corn."],
                   activities: ["fed the hens", "patted a little lamb", "helped the farmer", "collected eggs"]),
        WorldPlace(name: "river", preposition: "by", details: ["The water was clear and cold.", "Little fish swam near the stones.", "An old bridge crossed the river.", "Frogs sat on the wet rocks."],
                   activities: ["threw stones into the water", "watched the fish", "sailed a paper boat", "sat on the bridge"]),
        WorldPlace(name: "hill", preposition: "on", details: ["From the top they could see the whole town.", "The wind was strong up there.", "The grass on the hill was long.", "Sheep were eating near the top."],
                   activities: ["rolled down the grass", "climbed to the top", "looked at the clouds", "had a picnic"]),
        WorldPlace(name: "garden", preposition: "in", details: ["The flowers were red and yellow.", "Bees were buzzing around the flowers.", "There was a little pond with a frog.", "The vegetables were growing in neat rows."],
                   activities: ["watered the flowers", "picked some beans", "looked for worms", "played hide and seek"]),
        WorldPlace(name: "market", preposition: "at", details: ["The market was loud and busy.", "There were boxes of fruit everywhere.", "People were buying bread and cheese.", "A man was selling balloons."],
                   activities: ["bought some fruit", "looked at the stalls", "helped carry the bags", "watched the busy people"]),
        WorldPlace(name: "lake", preposition: "by", details: ["The lake was still and shiny.", "Swans were gliding on the water.", "Boats were tied to a little dock.", "The water looked like a mirror."],
                   activities: ["fed the swans", "skipped stones", "sat on the dock", "walked around the lake"]),
        WorldPlace(name: "library", preposition: "at", details: ["The library was quiet and full of books.", "There were soft chairs by the window.", "The librarian had kind eyes.", "Books about animals were on the low shelf."],
                   activities: ["read a book about the sea", "found a book about animals", "listened to a story", "sat in a soft chair"]),
        WorldPlace(name: "playground", preposition: "at", details: ["There was a big slide and a sandpit.", "Children were laughing and shouting.", "The swings went up very high.", "There was a red climbing frame."],
                   activities: ["climbed the frame", "played in the sandpit", "went on the swings", "played tag"]),
        WorldPlace(name: "meadow", preposition: "in", details: ["The meadow was full of flowers.", "Butterflies flew over the long grass.", "A small stream ran through the meadow.", "The grass moved in the wind."],
                   activities: ["picked flowers", "chased butterflies", "lay in the grass", "made a flower crown"]),
    ]
}
