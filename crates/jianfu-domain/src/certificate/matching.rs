//! Finding the certificate a resident means from the words they typed (议题 15 §2). Residents do
//! not use the list's words: they ask for "没有收入的证明", "开个单身证明", "身体状况证明",
//! "證明我媽是我媽". Each certificate item carries the names people use (`aliases`, with their
//! source) next to its name, the national list's sub-items and its screening terms; this module
//! normalises both sides the same way and picks the most specific item.
//!
//! Normalising: full-width → half-width, traditional → simplified (the `fast2s` crate's table,
//! with its few context rules such as 乾隆 kept), lower case, punctuation and spaces removed,
//! 的/之 removed, then trailing "证明/证明信/证明书/开证明/一份…" removed. A word of three or more
//! characters matches wherever it occurs in the request; a shorter one ("收入", "单身" once "证明"
//! is gone) only when it is the whole request, leading "我要开/开个/帮我开…" aside — otherwise
//! "表现证明" (a sub-item of the drug-rehabilitation item) would catch every "现实表现证明".
//!
//! Which item wins: a whole-request match over a match inside the request; then the longer word;
//! then, at equal length, the negative list over a retained item (a loose retained match never
//! hides a certificate the community must not issue). A request on no list whose words name a
//! matter only another body knows (a bank, a utility, the employer…) is sent to that body.

use crate::gate::{Catalog, CatalogItem, ItemKind};
use crate::text::half_width;

/// Longer than this, a typed certificate name is refused rather than screened: nobody names a
/// certificate in more than a hundred characters, and the explanation quotes it back.
pub const MAX_REQUESTED_NAME_CHARS: usize = 100;

/// Words shorter than this match only the whole (core of the) request.
pub const MIN_CONTAINED_CHARS: usize = 3;

/// Trailing words that do not change which certificate is meant, longest first.
const SUFFIXES: [&str; 14] = [
    "证明材料",
    "证明文件",
    "开证明",
    "证明信",
    "证明书",
    "证明单",
    "证明",
    "一份",
    "一张",
    "一个",
    "吗",
    "呢",
    "啊",
    "吧",
];

/// Leading words of a request ("我要开个…"), removed before a whole-request comparison.
const LEADING: [&str; 24] = [
    "我想要",
    "我需要",
    "我要",
    "我想",
    "想要",
    "需要",
    "帮我",
    "给我",
    "麻烦",
    "请",
    "开具",
    "开一个",
    "开一份",
    "开一张",
    "开个",
    "开张",
    "开份",
    "开",
    "办一个",
    "办个",
    "办理",
    "办",
    "申请",
    "要",
];

/// The text as the matcher compares it: half-width, simplified, lower case, only letters and
/// digits, without 的/之 and without trailing "证明"-like words.
pub fn normalise(text: &str) -> String {
    strip_suffixes(folded(text))
}

/// Like [`normalise`], but the trailing "证明" kept.
fn folded(text: &str) -> String {
    let half: String = text.chars().map(half_width).collect();
    let simplified = fast2s::convert(&half);
    let mut out = String::with_capacity(simplified.len());
    for c in simplified.chars() {
        if !c.is_alphanumeric() || c == '的' || c == '之' {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn strip_suffixes(mut s: String) -> String {
    while let Some(suffix) = SUFFIXES.iter().find(|x| s.ends_with(**x)) {
        s.truncate(s.len() - suffix.len());
    }
    s
}

/// The normalised request without leading "我要开个…" words.
fn core(normalised: &str) -> &str {
    let mut s = normalised;
    while let Some(lead) = LEADING
        .iter()
        .find(|x| s.starts_with(**x) && s.len() > x.len())
    {
        s = &s[lead.len()..];
    }
    s
}

/// Everything an item is known by: its name, the names people use, the list's sub-items and the
/// screening terms.
pub fn vocabulary(item: &CatalogItem) -> impl Iterator<Item = &str> {
    let subs = item
        .certificate_negative
        .as_ref()
        .map(|n| n.sub_items.as_slice())
        .unwrap_or_default();
    std::iter::once(item.name.as_str())
        .chain(item.aliases.iter().map(String::as_str))
        .chain(subs.iter().map(String::as_str))
        .chain(item.terms.iter().map(String::as_str))
}

/// What is wrong with a certificate item's aliases, if anything (part of `Catalog::check`, so a
/// published or imported list keeps the matcher unambiguous): an alias that normalises to nothing,
/// aliases without their source, or a name or alias that another certificate item also answers to.
pub fn alias_problem(catalog: &Catalog, item: &CatalogItem) -> Option<String> {
    if !item.aliases.is_empty() && item.aliases_source.trim().is_empty() {
        return Some("写了别称，但没有写明别称的来源（aliases_source）".into());
    }
    if let Some(a) = item.aliases.iter().find(|a| normalise(a).is_empty()) {
        return Some(format!("别称“{a}”去掉标点和“证明”等字后为空"));
    }
    let mine: Vec<String> = std::iter::once(&item.name)
        .chain(item.aliases.iter())
        .map(|w| normalise(w))
        .collect();
    let others = catalog.items.iter().filter(|o| {
        o.code != item.code
            && matches!(
                o.kind,
                ItemKind::Certificate | ItemKind::CertificateNegative
            )
    });
    for other in others {
        let theirs = std::iter::once(&other.name).chain(other.aliases.iter());
        for w in theirs {
            let n = normalise(w);
            if let Some(i) = mine.iter().position(|m| *m == n) {
                let word = std::iter::once(&item.name)
                    .chain(item.aliases.iter())
                    .nth(i)
                    .map(String::as_str)
                    .unwrap_or_default();
                return Some(format!(
                    "名称或别称“{word}”与事项 {} 的“{w}”相同（去掉标点和“证明”等字后），居民填写时无法区分",
                    other.code
                ));
            }
        }
    }
    None
}

/// What the typed words were found to mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found<'c> {
    /// A certificate item of the list (retained or negative), and the word that found it.
    Item(&'c CatalogItem, &'c str),
    /// On no list, but a matter of another body.
    OtherBody(&'static OtherBody),
    /// Nothing recognised.
    Nothing,
}

/// How good a match is: whole request; then length (of the word without its "证明"); then a
/// match of the word without "证明" over one that needed it; then negative over retained.
type Rank = (bool, usize, bool, bool);

/// Every certificate item the typed words match, with the rank of its best word, best first.
pub fn candidates<'c>(typed: &str, catalog: &'c Catalog) -> Vec<(&'c CatalogItem, &'c str, Rank)> {
    let full = folded(typed);
    let request = strip_suffixes(full.clone());
    let mut out = Vec::new();
    if request.is_empty() {
        return out;
    }
    let whole = core(&request);
    let items = catalog.items.iter().filter(|i| {
        matches!(
            i.kind,
            ItemKind::Certificate | ItemKind::CertificateNegative
        )
    });
    for item in items {
        let mut best: Option<(&str, Rank)> = None;
        let subs = item
            .certificate_negative
            .as_ref()
            .map(|n| n.sub_items.len())
            .unwrap_or(0);
        let words = vocabulary(item).collect::<Vec<_>>();
        // Sub-items come after the name and aliases; they may be elliptical ("表现证明" of the
        // drug-rehabilitation item), so they never match by their "证明" form inside a request.
        let sub_range = 1 + item.aliases.len()..1 + item.aliases.len() + subs;
        for (i, word) in words.into_iter().enumerate() {
            let w_full = folded(word);
            let w = strip_suffixes(w_full.clone());
            let n = w.chars().count();
            if n == 0 {
                continue;
            }
            let exact = w == request || w == whole;
            let inside = n >= MIN_CONTAINED_CHARS && request.contains(&w);
            // "失踪证明" inside "家里老人走失了开失踪证明": the word with its "证明" is specific
            // enough even when the word without it ("失踪") is short.
            let with_suffix = !exact
                && !inside
                && !sub_range.contains(&i)
                && w_full != w
                && w_full.chars().count() >= MIN_CONTAINED_CHARS
                && full.contains(&w_full);
            if !exact && !inside && !with_suffix {
                continue;
            }
            let rank = (
                exact,
                n,
                !with_suffix,
                item.kind == ItemKind::CertificateNegative,
            );
            if best.is_none_or(|(_, b)| rank > b) {
                best = Some((word, rank));
            }
        }
        if let Some((word, rank)) = best {
            out.push((item, word, rank));
        }
    }
    // Stable: between equal ranks the catalog's order decides.
    out.sort_by_key(|c| std::cmp::Reverse(c.2));
    out
}

/// The item the typed words mean, or the other body whose matter it is, or nothing.
pub fn find<'c>(typed: &str, catalog: &'c Catalog) -> Found<'c> {
    if let Some((item, word, _)) = candidates(typed, catalog).into_iter().next() {
        return Found::Item(item, word);
    }
    match other_body(typed) {
        Some(body) => Found::OtherBody(body),
        None => Found::Nothing,
    }
}

/// A body other than the community that alone knows some matters, and how to ask it.
#[derive(Debug, PartialEq, Eq)]
pub struct OtherBody {
    /// Stable key, e.g. `bank`.
    pub key: &'static str,
    /// Who, in words: 开户银行或其他金融机构.
    pub name: &'static str,
    /// Words (simplified, no punctuation) that name its matters.
    pub words: &'static [&'static str],
    /// How the resident asks it, concretely.
    pub how: &'static str,
}

/// The bodies a request on no list is sent to (议题 15: a bank, a utility, an employer, a
/// hospital, the public security bureau, the disabled persons' federation, human resources and
/// social security). Earlier wins between equally long words.
pub const OTHER_BODIES: [OtherBody; 7] = [
    OtherBody {
        key: "bank",
        name: "开户银行或其他金融机构",
        words: &[
            "银行",
            "金融机构",
            "信用社",
            "流水",
            "开户",
            "贷款",
            "信用卡",
            "账户",
            "保险公司",
            "证券",
        ],
        how: "存款、流水、贷款、账户等情况请带本人身份证到开户银行（或相关金融机构）的网点申请，多数银行也可以在手机银行里自助开具。",
    },
    OtherBody {
        key: "utility",
        name: "供水、供电、燃气、供热单位",
        words: &[
            "水费",
            "电费",
            "燃气",
            "煤气",
            "天然气",
            "暖气",
            "供暖",
            "供热",
            "取暖",
            "自来水",
            "供水",
            "供电",
            "用电",
            "用水",
            "水电",
            "电表",
            "水表",
        ],
        how: "缴费、用量、开户、过户等情况请带身份证和房屋产权证明（或租赁合同），到供水、供电、燃气或供热企业的营业厅、服务热线或网上营业厅办理。",
    },
    OtherBody {
        key: "employer",
        name: "工作单位（用人单位）",
        words: &[
            "在职",
            "任职",
            "工作经历",
            "工作年限",
            "工龄",
            "离职",
            "辞职",
            "劳动关系",
            "劳动合同",
            "上班",
            "工作单位",
            "用人单位",
            "请假",
            "实习",
            "工资",
        ],
        how: "在职、任职、工作经历、工资等情况请向您的工作单位（人事部门）申请出具；单位已注销的，可以用劳动合同和社会保险缴费记录证明。",
    },
    OtherBody {
        key: "hospital",
        name: "医疗机构",
        words: &[
            "医院",
            "医疗机构",
            "诊断",
            "病历",
            "体检",
            "健康证",
            "疫苗",
            "接种",
            "孕检",
            "就诊",
            "看病",
            "门诊",
            "手术",
        ],
        how: "诊疗、体检、健康和疫苗接种等情况请向就诊或体检的医疗机构申请出具诊断证明、体检报告或接种记录；复印病历请带身份证到医院病案室办理。",
    },
    OtherBody {
        key: "police",
        name: "公安机关（户籍地或居住地公安派出所）",
        words: &[
            "派出所",
            "公安",
            "居住证",
            "暂住",
            "居住",
            "迁户口",
            "户口迁",
            "落户",
            "治安",
            "报警",
            "报案",
            "交通事故",
            "身份证",
        ],
        how: "户籍、居住登记、居住证、治安等情况请带身份证和户口簿到户籍地或居住地公安派出所办理，很多事项也可以在公安政务服务平台网上申请。",
    },
    OtherBody {
        key: "disabled_federation",
        name: "残疾人联合会",
        words: &["残联", "残疾人联合会", "残疾人补贴", "辅具", "助残"],
        how: "残疾人证、残疾人补贴和辅具等事项请向户籍地的区残联，或街道（乡镇）残联专职委员咨询办理。",
    },
    OtherBody {
        key: "human_resources",
        name: "人力资源社会保障部门（社会保险经办机构）",
        words: &[
            "社保",
            "社会保险",
            "养老金",
            "养老保险",
            "医保",
            "医疗保险",
            "失业保险",
            "工伤",
            "退休",
            "人社",
            "人力资源",
            "参保",
            "缴费记录",
        ],
        how: "社会保险参保、缴费、退休和养老金领取等情况请到社会保险经办机构窗口，或在社保网上服务平台、手机应用查询打印参保缴费记录；就业失业登记请到街道（乡镇）社会保障事务所办理。",
    },
];

/// The other body whose matter the request names, if any: the longest of their words found in
/// the normalised request.
pub fn other_body(typed: &str) -> Option<&'static OtherBody> {
    let request = normalise(typed);
    let mut best: Option<(&'static OtherBody, usize)> = None;
    for body in &OTHER_BODIES {
        for w in body.words {
            let n = w.chars().count();
            if request.contains(w) && best.is_none_or(|(_, b)| n > b) {
                best = Some((body, n));
            }
        }
    }
    best.map(|(b, _)| b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_removes_what_does_not_change_the_meaning() {
        assert_eq!(normalise("没有收入的证明"), "没有收入");
        assert_eq!(normalise("  收入 证明（一份）"), "收入");
        assert_eq!(normalise("單身證明"), "单身");
        assert_eq!(normalise("ＡＢＣ１２３证明信"), "abc123");
        assert_eq!(normalise("之证明书"), "");
        assert_eq!(normalise("……！！"), "");
        assert_eq!(normalise("證明我媽是我媽"), "证明我妈是我妈");
        // Traditional characters anywhere (fast2s), including ones outside the vocabulary.
        assert_eq!(
            normalise("無犯罪記錄，婚姻狀況，養犬，遺產繼承權，土地承包經營權"),
            "无犯罪记录婚姻状况养犬遗产继承权土地承包经营权"
        );
        assert_eq!(normalise("乾隆"), "乾隆");
        assert_eq!(core("我要开个单身"), "单身");
        assert_eq!(core("开"), "开");
    }

    #[test]
    fn other_bodies_are_named_by_their_matters() {
        let key = |t: &str| other_body(t).map(|b| b.key);
        assert_eq!(key("银行流水证明"), Some("bank"));
        assert_eq!(key("交了暖气费的证明"), Some("utility"));
        assert_eq!(key("在职证明"), Some("employer"));
        assert_eq!(key("医院的诊断证明"), Some("hospital"));
        assert_eq!(key("居住证明"), Some("police"));
        assert_eq!(key("残联要的证明"), Some("disabled_federation"));
        assert_eq!(key("社保缴费证明"), Some("human_resources"));
        assert_eq!(key("良好品行证明"), None);
        for body in &OTHER_BODIES {
            for w in body.words {
                assert_eq!(
                    &normalise(w),
                    w,
                    "{}: words are written normalised",
                    body.key
                );
            }
        }
    }
}
