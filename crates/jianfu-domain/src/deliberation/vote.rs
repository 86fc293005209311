//! Votes. A meeting counts votes one way only (`VoteMode`): in the room, entered by the
//! committee as tallies, or online, one ballot per voter — so nothing is ever counted twice. A
//! voter is a person or a household (`VoterBasis`), per meeting; the voter key is what the
//! database keeps unique per meeting.

use super::{MeetingState, Refusal};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VoterBasis {
    Person,
    Household,
}

impl VoterBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            VoterBasis::Person => "person",
            VoterBasis::Household => "household",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "person" => Some(VoterBasis::Person),
            "household" => Some(VoterBasis::Household),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            VoterBasis::Person => "每人一票",
            VoterBasis::Household => "每户一票",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteMode {
    InRoom,
    Online,
}

impl VoteMode {
    pub fn as_str(self) -> &'static str {
        match self {
            VoteMode::InRoom => "in_room",
            VoteMode::Online => "online",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "in_room" => Some(VoteMode::InRoom),
            "online" => Some(VoteMode::Online),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            VoteMode::InRoom => "现场表决（社区录入票数）",
            VoteMode::Online => "网上投票",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    For,
    Against,
    Abstain,
}

impl Choice {
    pub fn as_str(self) -> &'static str {
        match self {
            Choice::For => "for",
            Choice::Against => "against",
            Choice::Abstain => "abstain",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "for" => Some(Choice::For),
            "against" => Some(Choice::Against),
            "abstain" => Some(Choice::Abstain),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Choice::For => "同意",
            Choice::Against => "反对",
            Choice::Abstain => "弃权",
        }
    }
}

/// Words and marks that separate 楼、单元、室 (longest first: 号楼 before 号).
const HOUSEHOLD_SEPARATORS: [&str; 13] = [
    "号楼", "单元", "座", "栋", "室", "号", "-", "－", "—", "–", "/", "／", " ",
];

/// The household key: 楼-单元-室, e.g. "3-2-501" or "A-2-501B". Accepts full-width digits and
/// letters, and the words people write (3号楼2单元501室, A座2单元501, ３－２－５０１). Letters are
/// kept (upper-cased): 501A and 501B are two households. Any other character is refused rather
/// than dropped, so two households never collapse into one key.
pub fn normalise_household(raw: &str) -> Result<String, Refusal> {
    let bad = |why: String| {
        Refusal::new(
            "bad_household",
            format!(
                "“{}”不是“楼-单元-室”{why}，请写成 3-2-501、A座2单元501B 这样。",
                raw.trim()
            ),
        )
    };
    let mut parts: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut rest = raw.trim();
    'scan: while let Some(c) = rest.chars().next() {
        for sep in HOUSEHOLD_SEPARATORS {
            if let Some(r) = rest.strip_prefix(sep) {
                if !cur.is_empty() {
                    parts.push(std::mem::take(&mut cur));
                }
                rest = r;
                continue 'scan;
            }
        }
        let c = match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                // Full-width forms sit 0xFEE0 above their ASCII letters and digits.
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            _ => c,
        };
        if !c.is_ascii_alphanumeric() {
            return Err(bad(format!("（不认识“{c}”）")));
        }
        cur.push(c.to_ascii_uppercase());
        rest = &rest[rest.chars().next().map_or(0, char::len_utf8)..];
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    if parts.len() != 3 || parts.iter().any(|p| p.len() > 6) {
        return Err(bad(String::new()));
    }
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| {
            // 0501 is 501; a lone 0 stays, and so does the 0 before a letter.
            let mut t = p.as_str();
            while t.len() > 1 && t.starts_with('0') && t.as_bytes()[1].is_ascii_digit() {
                t = &t[1..];
            }
            t.to_string()
        })
        .collect();
    Ok(parts.join("-"))
}

/// Who a ballot counts for: `u:<user>` per person, `h:<community>:<household>` per household.
pub fn voter_key(
    basis: VoterBasis,
    community: &str,
    user_id: &str,
    household: Option<&str>,
) -> Result<String, Refusal> {
    match basis {
        VoterBasis::Person => Ok(format!("u:{user_id}")),
        VoterBasis::Household => match household {
            Some(h) if !h.is_empty() => Ok(format!("h:{community}:{h}")),
            _ => Err(Refusal::new(
                "no_household",
                "本次会议每户一票，社区还没有登记您家的门牌（楼-单元-室），请先联系社区工作人员登记。",
            )),
        },
    }
}

/// Whether an online ballot may be cast now.
pub fn check_online_ballot(mode: VoteMode, state: MeetingState) -> Result<(), Refusal> {
    if mode != VoteMode::Online {
        return Err(Refusal::new(
            "not_online",
            "本次会议现场表决，不开放网上投票。",
        ));
    }
    match state {
        MeetingState::Open => Ok(()),
        MeetingState::Closed => Err(Refusal::new(
            "vote_closed",
            "会议已经结束，投票已截止，这一票没有计入。",
        )),
        MeetingState::Cancelled => Err(Refusal::new(
            "vote_closed",
            "会议已经取消，不再投票，这一票没有计入。",
        )),
        _ => Err(Refusal::new(
            "vote_not_open",
            "会议还没有开始，投票尚未开放。",
        )),
    }
}

/// Whether the committee may enter in-room tallies now.
pub fn check_tally_entry(mode: VoteMode, state: MeetingState) -> Result<(), Refusal> {
    if mode != VoteMode::InRoom {
        return Err(Refusal::new(
            "online_meeting",
            "本次会议网上投票，票数由系统统计，不能再录入现场票数（同一票不计两次）。",
        ));
    }
    if state != MeetingState::Open {
        return Err(Refusal::new(
            "meeting_not_open",
            "只有进行中的会议可以录入表决票数。",
        ));
    }
    Ok(())
}

/// The votes entered for a motion cannot exceed those present.
pub fn check_tally(
    present: u64,
    votes_for: u64,
    against: u64,
    abstain: u64,
) -> Result<(), Refusal> {
    let total = votes_for + against + abstain;
    if total > present {
        return Err(Refusal::new(
            "tally_exceeds_attendance",
            format!("同意、反对、弃权合计 {total} 票，超过了出席人数 {present}。"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn households_are_written_one_way() {
        assert_eq!(normalise_household("3-2-501").unwrap(), "3-2-501");
        assert_eq!(normalise_household("３－２－５０１").unwrap(), "3-2-501");
        assert_eq!(normalise_household("3号楼2单元0501室").unwrap(), "3-2-501");
        assert_eq!(
            normalise_household("3-501").unwrap_err().code,
            "bad_household"
        );
    }

    #[test]
    fn letters_in_household_numbers_are_kept() {
        let a = normalise_household("3-2-501A").unwrap();
        let b = normalise_household("3-2-501B").unwrap();
        assert_eq!(a, "3-2-501A");
        assert_ne!(a, b, "two flats, two households");
        assert_eq!(normalise_household("3-2-501a").unwrap(), "3-2-501A");
        assert_eq!(normalise_household("３－２－５０１Ａ").unwrap(), "3-2-501A");
        assert_eq!(normalise_household("A座2单元501").unwrap(), "A-2-501");
        assert_eq!(normalise_household("Ｂ栋2单元0501室").unwrap(), "B-2-501");
        assert_eq!(normalise_household("12号2单元301").unwrap(), "12-2-301");
        assert_eq!(normalise_household("3/2/501").unwrap(), "3-2-501");
        assert_eq!(normalise_household("0-1-0A").unwrap(), "0-1-0A");
    }

    #[test]
    fn unknown_characters_are_refused_not_dropped() {
        for raw in ["3-2-501#", "3#2#501", "3-2-501（东）", "三-2-501", "3-2-"] {
            let e = normalise_household(raw).unwrap_err();
            assert_eq!(e.code, "bad_household", "{raw}");
        }
        assert!(
            normalise_household("3-2-501#")
                .unwrap_err()
                .message
                .contains("“#”")
        );
        assert_eq!(
            normalise_household("3-2-1234567").unwrap_err().code,
            "bad_household"
        );
    }

    #[test]
    fn one_key_per_voter_and_per_household() {
        assert_eq!(
            voter_key(VoterBasis::Person, "c", "u1", Some("1-1-1")).unwrap(),
            "u:u1"
        );
        let a = voter_key(VoterBasis::Household, "c", "u1", Some("1-1-1")).unwrap();
        let b = voter_key(VoterBasis::Household, "c", "u2", Some("1-1-1")).unwrap();
        assert_eq!(a, b, "two people of one household share one vote");
        assert_eq!(
            voter_key(VoterBasis::Household, "c", "u1", None)
                .unwrap_err()
                .code,
            "no_household"
        );
    }

    #[test]
    fn a_meeting_counts_one_way_only() {
        assert_eq!(
            check_online_ballot(VoteMode::InRoom, MeetingState::Open)
                .unwrap_err()
                .code,
            "not_online"
        );
        assert_eq!(
            check_tally_entry(VoteMode::Online, MeetingState::Open)
                .unwrap_err()
                .code,
            "online_meeting"
        );
        assert_eq!(
            check_online_ballot(VoteMode::Online, MeetingState::Closed)
                .unwrap_err()
                .code,
            "vote_closed"
        );
        assert!(check_online_ballot(VoteMode::Online, MeetingState::Open).is_ok());
        assert!(check_tally(10, 5, 3, 2).is_ok());
        assert!(check_tally(10, 5, 3, 3).is_err());
    }
}
