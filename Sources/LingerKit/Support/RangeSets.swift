/// Operations on lists of byte ranges shared by the matcher, the finding builder and
/// delta-aware sweeps.
extension Array where Element == Range<Int> {
    /// The non-empty ranges, merged where they overlap or touch, in order: a sorted list of
    /// disjoint ranges.
    func merged() -> [Range<Int>] {
        var result = [Range<Int>]()
        for range in sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            if let last = result.last, range.lowerBound <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<Swift.max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    /// The first position from which every range satisfies `isAtOrPast` (the list is ordered so
    /// that once a range does, every later one does): a binary search.
    func firstPosition(where isAtOrPast: (Range<Int>) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if isAtOrPast(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Of these ranges (sorted and disjoint, as `merged()` gives), the positions of those
    /// overlapping `target`.
    func positions(overlapping target: Range<Int>) -> Range<Int> {
        let start = firstPosition { $0.upperBound > target.lowerBound }
        var end = start
        while end < count && self[end].lowerBound < target.upperBound { end += 1 }
        return start..<end
    }
}
