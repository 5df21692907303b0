/// An expression inside a tag.
indirect enum JinjaExpression: Sendable {
    case literal(JinjaValue)
    case variable(String, JinjaLocation)
    case list([JinjaExpression])
    case dict([(JinjaExpression, JinjaExpression)])
    case attribute(JinjaExpression, String, JinjaLocation)
    case index(JinjaExpression, JinjaExpression, JinjaLocation)
    /// `base[start:end:step]`, each part optional (Python's slice).
    case slice(JinjaExpression, start: JinjaExpression?, end: JinjaExpression?, step: JinjaExpression?, JinjaLocation)
    case call(JinjaExpression, [JinjaExpression], [(String, JinjaExpression)], JinjaLocation)
    /// `base | name(args, key=value)`; only `tojson` takes a keyword (`indent`).
    case filter(JinjaExpression, String, [JinjaExpression], [(String, JinjaExpression)], JinjaLocation)
    case test(JinjaExpression, String, negated: Bool, JinjaLocation)
    case not(JinjaExpression)
    case negate(JinjaExpression, JinjaLocation)
    case binary(String, JinjaExpression, JinjaExpression, JinjaLocation)
    /// `then if condition else otherwise` (`otherwise` nil: undefined).
    case conditional(then: JinjaExpression, condition: JinjaExpression, otherwise: JinjaExpression?)
}

/// A statement of the template body.
indirect enum JinjaNode: Sendable {
    case text(String)
    case output(JinjaExpression)
    case forLoop(targets: [String], iterable: JinjaExpression, body: [JinjaNode], location: JinjaLocation)
    case conditional(branches: [(JinjaExpression, [JinjaNode])], otherwise: [JinjaNode])
    /// `{% set name = … %}` or `{% set ns.attr = … %}` (`attribute` non-nil).
    case set(name: String, attribute: String?, value: JinjaExpression, location: JinjaLocation)
}
