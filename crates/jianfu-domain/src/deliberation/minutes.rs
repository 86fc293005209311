//! Minutes (会议记录): every voice is an entry of the electronic ledger (三(二) 电子台账); the chair
//! signs them off once the meeting is closed, after which they never change.

use super::{DAXING_2016, MeetingState, OPINION_2015, Refusal};
use crate::Citation;

pub const VOICES: Citation = Citation {
    document: OPINION_2015,
    clause: "五、规范协商程序（3）组织开展协商，确保各类主体充分发表意见建议（条文大意，待核对原文）",
};

pub const LEDGER: Citation = Citation {
    document: DAXING_2016,
    clause: "三(二) 推行电子台账",
};

/// Whether a voice may still be entered.
pub fn check_entry(signed: bool, state: MeetingState) -> Result<(), Refusal> {
    if signed {
        return Err(Refusal::new(
            "minutes_signed",
            "会议记录已由主持人签署，不能再修改或补记。",
        )
        .citing(LEDGER));
    }
    if matches!(state, MeetingState::Draft | MeetingState::Noticed) {
        return Err(Refusal::new("meeting_not_open", "会议开始后才能记录发言。"));
    }
    Ok(())
}

/// Whether the chair may sign the minutes off.
pub fn check_sign(signed: bool, state: MeetingState, entries: usize) -> Result<(), Refusal> {
    if signed {
        return Err(Refusal::new("minutes_signed", "会议记录已经签署过了。"));
    }
    if state != MeetingState::Closed {
        return Err(Refusal::new(
            "meeting_not_closed",
            "会议结束后才能签署会议记录。",
        ));
    }
    if entries == 0 {
        return Err(Refusal::new(
            "minutes_empty",
            "会议记录里还没有任何发言，不能签署；每位发言人的意见都要记录。",
        )
        .citing(VOICES));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_minutes_never_change() {
        assert_eq!(
            check_entry(true, MeetingState::Closed).unwrap_err().code,
            "minutes_signed"
        );
        assert!(check_entry(false, MeetingState::Open).is_ok());
        assert!(check_entry(false, MeetingState::Closed).is_ok());
        assert_eq!(
            check_entry(false, MeetingState::Noticed).unwrap_err().code,
            "meeting_not_open"
        );
    }

    #[test]
    fn signing_needs_a_closed_meeting_with_voices() {
        assert_eq!(
            check_sign(false, MeetingState::Open, 3).unwrap_err().code,
            "meeting_not_closed"
        );
        assert_eq!(
            check_sign(false, MeetingState::Closed, 0).unwrap_err().code,
            "minutes_empty"
        );
        assert!(check_sign(false, MeetingState::Closed, 1).is_ok());
        assert!(check_sign(true, MeetingState::Closed, 1).is_err());
    }
}
