import Yams

/// YAML from files Linger does not control (`.linger.yml`, rule files), parsed with a bound on
/// what aliases can expand to: a "billion laughs" document (aliases of aliases) composes into a
/// small graph of shared nodes but would construct into billions of values. The graph is counted
/// first, stopping at the bound, and only a document under it is constructed.
enum YAMLDocument {
    struct Refusal: Error, CustomStringConvertible {
        let description: String

        static func tooLarge(_ nodes: Int) -> Refusal {
            Refusal(description: "the YAML expands to more than \(nodes) values (aliases of aliases?); refused rather than expanded")
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
            if budget < 0 { throw Refusal.tooLarge(maxNodes) }
            // Yams traps on a mapping key that is not text (`? [a]: b`) and on collections tagged
            // as something else (`!!omap`, `!!str [a]`): neither belongs in a Linger file.
            switch node {
            case .mapping(let mapping):
                guard ["", "!", Tag.Name.map.rawValue].contains(mapping.tag.description) else {
                    throw Refusal(description: "a mapping tagged \(mapping.tag) is not supported")
                }
                for (key, value) in mapping {
                    guard case .scalar = key else {
                        throw Refusal(description: "line \((key.mark?.line ?? 0)): a mapping key must be plain text")
                    }
                    stack.append(key)
                    stack.append(value)
                }
            case .sequence(let sequence):
                guard ["", "!", Tag.Name.seq.rawValue].contains(sequence.tag.description) else {
                    throw Refusal(description: "a list tagged \(sequence.tag) is not supported")
                }
                stack.append(contentsOf: sequence)
            case .scalar, .alias:
                break
            }
        }
        return root.any
    }
}

/// The check every YAML mapping Linger reads gets: a key it does not know is an error naming the
/// known ones, so a typo never silently disables a setting.
enum YAMLKeys {
    /// The first key of `map`, in sorted order, that is not in `known`; nil when all are known.
    static func firstUnknown(in map: [String: Any], known: [String]) -> String? {
        // Sorted only when one is unknown (the rare case), so the error names the same key each run.
        guard map.keys.contains(where: { !known.contains($0) }) else { return nil }
        return map.keys.sorted().first { !known.contains($0) }
    }

    /// `unknown key (known: a, b, c)`, in the order given.
    static func problem(known: [String]) -> String { "unknown key (known: \(known.joined(separator: ", ")))" }

    /// Throws `ConfigError.invalid` for the first unknown key of a configuration mapping at `prefix`.
    static func check(_ map: [String: Any], known: [String], file: String, at prefix: String?) throws {
        guard let unknown = firstUnknown(in: map, known: known) else { return }
        throw ConfigError.invalid(
            file: file, key: prefix.map { "\($0).\(unknown)" } ?? unknown, problem: problem(known: known))
    }
}
