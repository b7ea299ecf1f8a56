import Yams

/// YAML from files Linger does not control (`.linger.yml`, rule files), parsed with a bound on
/// what aliases can expand to: a "billion laughs" document (aliases of aliases) composes into a
/// small graph of shared nodes but would construct into billions of values. The graph is counted
/// first, stopping at the bound, and only a document under it is constructed.
enum YAMLDocument {
    struct Refusal: Error, CustomStringConvertible {
        let nodes: Int
        var description: String {
            "the YAML expands to more than \(nodes) values (aliases of aliases?); refused rather than expanded"
        }
    }

    /// More values than any real configuration or rule file holds.
    static let maxNodes = 200_000

    static func load(_ text: String, maxNodes: Int = maxNodes) throws -> Any? {
        guard let root = try Yams.compose(yaml: text, .basic) else { return nil }
        var budget = maxNodes
        var stack = [root]
        while let node = stack.popLast() {
            budget -= 1
            if budget < 0 { throw Refusal(nodes: maxNodes) }
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    stack.append(key)
                    stack.append(value)
                }
            case .sequence(let sequence):
                stack.append(contentsOf: sequence)
            case .scalar, .alias:
                break
            }
        }
        return try Yams.load(yaml: text, .basic)
    }
}
