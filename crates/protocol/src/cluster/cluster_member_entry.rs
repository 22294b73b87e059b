//! [`ClusterMemberEntry`] (entry block length 28): one member in a
//! [`ClusterMembersExtendedResponse`](super::ClusterMembersExtendedResponse) `activeMembers` or
//! `passiveMembers` group.
//!
//! Entry layout (offsets from the start of the entry):
//! `leadershipTermId:i64 @0`;
//! `logPosition:i64 @8`;
//! `timeOfLastAppendNs:time_t (i64) @16`;
//! `memberId:i32 @24`;
//! then var-data `ingressEndpoint`, `consensusEndpoint`, `logEndpoint`, `catchupEndpoint`, `archiveEndpoint`,
//! each `length:u32` + bytes.

use super::codec::sbe_group_entry;

sbe_group_entry! {
    /// One member in a [`ClusterMembersExtendedResponse`](super::ClusterMembersExtendedResponse)
    /// `activeMembers` or `passiveMembers` group.
    ///
    /// Build entries to encode a group with [`Group::new`](super::Group::new); decoded groups yield them
    /// from [`Group::iter`](super::Group::iter).
    pub struct ClusterMemberEntry<'a> {
        block_length: 28,
        fixed: {
            /// Leadership term the member last reported.
            leadership_term_id: i64 = 0;
            /// Log position the member last reported.
            log_position: i64 = 8;
            /// Time (ns) the member last reported an append position.
            time_of_last_append_ns: i64 = 16;
            /// Member id.
            member_id: i32 = 24;
        }
        var_data: {
            /// Ingress endpoint (`host:port`).
            ingress_endpoint: &'a str;
            /// Consensus endpoint.
            consensus_endpoint: &'a str;
            /// Log endpoint.
            log_endpoint: &'a str;
            /// Catch-up endpoint.
            catchup_endpoint: &'a str;
            /// Archive control endpoint.
            archive_endpoint: &'a str;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_layout_matches_the_schema() {
        assert_eq!(ClusterMemberEntry::BLOCK_LENGTH, 28);
        let entry = ClusterMemberEntry {
            leadership_term_id: -289360691369215752i64,
            log_position: 361700864207292425i64,
            time_of_last_append_ns: -434041037045369098i64,
            member_id: 118363427i32,
            ingress_endpoint: "aeron:udp?endpoint=localhost:20121|term-length=64k#ingress_endpoint",
            consensus_endpoint: "0=localhost:20110,1=localhost:20111,2=localhost:20112#consensus_endpoint",
            log_endpoint: "fulmar-client 0.1#log_endpoint",
            catchup_endpoint: "localhost:20113#catchup_endpoint",
            archive_endpoint: "localhost:20114#archive_endpoint",
        };
        assert_eq!(
            entry.encoded_length(),
            28 + 4
                + entry.ingress_endpoint.len()
                + 4
                + entry.consensus_endpoint.len()
                + 4
                + entry.log_endpoint.len()
                + 4
                + entry.catchup_endpoint.len()
                + 4
                + entry.archive_endpoint.len()
        );
    }
}
