// A typical filled certificate, shared by the example, the benchmark and the tests.
// `super` must have `CertificateDoc` in scope.

use super::CertificateDoc;

pub const BODY: &str = "兹证明张三（公民身份号码：110115195001011234）生前户籍登记在本社区，住北京市大兴区兴丰街道三合南里12号楼3单元402号。李四（公民身份号码：110115197803152345）系张三之子，双方为父子关系。\n该证明依据居民提供的户口簿、居民死亡医学证明（推断）书及社区入户核实情况出具，仅用于办理张三的丧葬补助金、抚恤金申领手续。\n特此证明。";

pub const NOTES: &[&str] = &[
    "1. 本证明自出具之日起三个月内有效，复印件无效，涂改无效。",
    "2. 查验真伪：扫描左侧二维码，或访问核验页面并输入证明编号和核验码。",
    "3. 出具依据：《大兴区进一步开展社区减负工作实施意见》三（四）；《北京市社区日常出具证明事项》。",
];

pub fn sample() -> CertificateDoc<'static> {
    CertificateDoc {
        title: "与死亡人员关系证明",
        number: "ZM110115001901-2026-000001",
        body: BODY,
        addressee: "北京市大兴区社会保险事业管理中心：",
        community_name: "北京市大兴区兴丰街道三合南里社区居民委员会",
        issued_on: "2026年11月28日",
        verify_code: "7KQ2-M9XD",
        verify_url: "http://127.0.0.1:8080/verify?number=ZM110115001901-2026-000001&code=7KQ2-M9XD",
        notes: NOTES,
        revoked: false,
    }
}
