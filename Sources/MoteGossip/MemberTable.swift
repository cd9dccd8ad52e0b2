/// What one node knows about one other member.
struct Member: Sendable {
    var address: PeerAddress
    var generation: UInt64
    var incarnation: UInt32
    var status: MemberStatus
    /// When the status last changed (a death certificate expires from here).
    var statusSince: Duration
    /// Position of the aggregation link to this member, or −1: found with the member, without a second search.
    var link: Int32 = -1

    var update: MembershipUpdate {
        MembershipUpdate(member: address, generation: generation, incarnation: incarnation, status: status)
    }
}

/// Members in an array, found by address through a linear scan while the table is small (a simulated node with a
/// partial view) and through a dictionary once it is large (a full view of a thousand members).
struct MemberTable: Sendable {
    private(set) var members: [Member] = []
    /// `scanKey` of each member, in the same order: a scan reads 8 bytes per member instead of a whole record.
    private var keys: [UInt64] = []
    private var index: [PeerAddress: Int32]?
    static let indexThreshold = 32

    var count: Int { members.count }

    subscript(position: Int) -> Member {
        get { members[position] }
        set { members[position] = newValue }
    }

    func position(of address: PeerAddress) -> Int? {
        if let index { return index[address].map(Int.init) }
        let key = address.scanKey
        return keys.withUnsafeBufferPointer { keys in
            for position in keys.indices where keys[position] == key && members[position].address == address {
                return position
            }
            return nil
        }
    }

    /// Room for `capacity` members without reallocating.
    mutating func reserveCapacity(_ capacity: Int) {
        members.reserveCapacity(capacity)
        keys.reserveCapacity(capacity)
    }

    mutating func append(_ member: Member) {
        members.append(member)
        keys.append(member.address.scanKey)
        if index != nil {
            index?[member.address] = Int32(members.count - 1)
        } else if members.count > Self.indexThreshold {
            var built: [PeerAddress: Int32] = [:]
            built.reserveCapacity(members.count * 2)
            for (position, member) in members.enumerated() { built[member.address] = Int32(position) }
            index = built
        }
    }

    /// Removes the member at `position` by moving the last one into its place.
    mutating func remove(at position: Int) {
        let removed = members[position].address
        let last = members.count - 1
        if position != last {
            members[position] = members[last]
            keys[position] = keys[last]
            index?[members[position].address] = Int32(position)
        }
        members.removeLast()
        keys.removeLast()
        index?[removed] = nil
    }
}
