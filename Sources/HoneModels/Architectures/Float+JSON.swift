extension Float {
    /// The Double whose decimal text is this Float's shortest, for config.json: 1e-05 rather than
    /// 9.99999974737875e-06, so a saved config reads like the one Hugging Face wrote.
    var shortestDouble: Double { Double("\(self)") ?? Double(self) }
}
