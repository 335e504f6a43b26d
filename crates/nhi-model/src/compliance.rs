//! What each OWASP NHI risk means to the frameworks auditors ask about: NIST CSF 2.0
//! subcategories, ISO/IEC 27001:2022 Annex A controls (and the 2013 edition's A.9 and
//! neighbours, which many audits still use), CIS Controls v8 safeguards (controls 5 and
//! 6), and the NIST SP 800-207 Zero Trust tenets.
//!
//! Every finding carries the references of its OWASP risk, so a report's compliance
//! matrix (control → findings → status) is a group-by over findings. Identifiers and
//! titles are the frameworks' own; which risk maps to which control is nhi's reading,
//! kept in this one table so it can be reviewed in one place.

use serde::Serialize;

use crate::OwaspNhi;

/// A framework nhi maps findings to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Framework {
    /// NIST Cybersecurity Framework 2.0.
    NistCsf2,
    /// ISO/IEC 27001:2022 Annex A.
    Iso27001_2022,
    /// ISO/IEC 27001:2013 Annex A.
    Iso27001_2013,
    /// CIS Critical Security Controls v8.
    CisV8,
    /// NIST SP 800-207 Zero Trust Architecture, section 2.1 tenets.
    ZeroTrust,
}

impl Framework {
    pub const ALL: [Framework; 5] = [
        Framework::NistCsf2,
        Framework::Iso27001_2022,
        Framework::Iso27001_2013,
        Framework::CisV8,
        Framework::ZeroTrust,
    ];

    /// The key used in findings' `references` maps and in reports.
    pub fn key(self) -> &'static str {
        match self {
            Framework::NistCsf2 => "nist_csf_2",
            Framework::Iso27001_2022 => "iso_27001_2022",
            Framework::Iso27001_2013 => "iso_27001_2013",
            Framework::CisV8 => "cis_v8",
            Framework::ZeroTrust => "nist_800_207",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Framework::NistCsf2 => "NIST CSF 2.0",
            Framework::Iso27001_2022 => "ISO/IEC 27001:2022",
            Framework::Iso27001_2013 => "ISO/IEC 27001:2013",
            Framework::CisV8 => "CIS Controls v8",
            Framework::ZeroTrust => "NIST SP 800-207 (Zero Trust)",
        }
    }
}

impl Serialize for Framework {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// One control, subcategory, safeguard or tenet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ControlRef {
    pub framework: Framework,
    pub id: &'static str,
    pub title: &'static str,
}

const fn c(framework: Framework, id: &'static str, title: &'static str) -> ControlRef {
    ControlRef {
        framework,
        id,
        title,
    }
}

use Framework::{CisV8, Iso27001_2013, Iso27001_2022, NistCsf2, ZeroTrust};

// NIST CSF 2.0 subcategories.
const ID_AM_02: ControlRef = c(
    NistCsf2,
    "ID.AM-02",
    "Inventories of software, services, and systems managed by the organization are maintained",
);
const GV_SC_07: ControlRef = c(
    NistCsf2,
    "GV.SC-07",
    "The risks posed by a supplier, their products and services, and other third parties are understood, recorded, prioritized, assessed, responded to, and monitored over the course of the relationship",
);
const PR_AA_01: ControlRef = c(
    NistCsf2,
    "PR.AA-01",
    "Identities and credentials for authorized users, services, and hardware are managed by the organization",
);
const PR_AA_02: ControlRef = c(
    NistCsf2,
    "PR.AA-02",
    "Identities are proofed and bound to credentials based on the context of interactions",
);
const PR_AA_03: ControlRef = c(
    NistCsf2,
    "PR.AA-03",
    "Users, services, and hardware are authenticated",
);
const PR_AA_05: ControlRef = c(
    NistCsf2,
    "PR.AA-05",
    "Access permissions, entitlements, and authorizations are defined in a policy, managed, enforced, and reviewed, and incorporate the principles of least privilege and separation of duties",
);
const PR_DS_01: ControlRef = c(
    NistCsf2,
    "PR.DS-01",
    "The confidentiality, integrity, and availability of data-at-rest are protected",
);
const PR_PS_01: ControlRef = c(
    NistCsf2,
    "PR.PS-01",
    "Configuration management practices are established and applied",
);
const PR_IR_01: ControlRef = c(
    NistCsf2,
    "PR.IR-01",
    "Networks and environments are protected from unauthorized logical access and usage",
);
const DE_CM_03: ControlRef = c(
    NistCsf2,
    "DE.CM-03",
    "Personnel activity and technology usage are monitored to find potentially adverse events",
);
const DE_CM_09: ControlRef = c(
    NistCsf2,
    "DE.CM-09",
    "Computing hardware and software, runtime environments, and their data are monitored to find potentially adverse events",
);

// ISO/IEC 27001:2022 Annex A.
const A5_15: ControlRef = c(Iso27001_2022, "A.5.15", "Access control");
const A5_16: ControlRef = c(Iso27001_2022, "A.5.16", "Identity management");
const A5_17: ControlRef = c(Iso27001_2022, "A.5.17", "Authentication information");
const A5_18: ControlRef = c(Iso27001_2022, "A.5.18", "Access rights");
const A5_19: ControlRef = c(
    Iso27001_2022,
    "A.5.19",
    "Information security in supplier relationships",
);
const A8_2: ControlRef = c(Iso27001_2022, "A.8.2", "Privileged access rights");
const A8_5: ControlRef = c(Iso27001_2022, "A.8.5", "Secure authentication");
const A8_9: ControlRef = c(Iso27001_2022, "A.8.9", "Configuration management");
const A8_15: ControlRef = c(Iso27001_2022, "A.8.15", "Logging");
const A8_16: ControlRef = c(Iso27001_2022, "A.8.16", "Monitoring activities");
const A8_31: ControlRef = c(
    Iso27001_2022,
    "A.8.31",
    "Separation of development, test and production environments",
);

// ISO/IEC 27001:2013 Annex A.
const A9_2_1: ControlRef = c(
    Iso27001_2013,
    "A.9.2.1",
    "User registration and de-registration",
);
const A9_2_2: ControlRef = c(Iso27001_2013, "A.9.2.2", "User access provisioning");
const A9_2_3: ControlRef = c(
    Iso27001_2013,
    "A.9.2.3",
    "Management of privileged access rights",
);
const A9_2_4: ControlRef = c(
    Iso27001_2013,
    "A.9.2.4",
    "Management of secret authentication information of users",
);
const A9_2_5: ControlRef = c(Iso27001_2013, "A.9.2.5", "Review of user access rights");
const A9_2_6: ControlRef = c(
    Iso27001_2013,
    "A.9.2.6",
    "Removal or adjustment of access rights",
);
const A9_4_2: ControlRef = c(Iso27001_2013, "A.9.4.2", "Secure log-on procedures");
const A9_4_3: ControlRef = c(Iso27001_2013, "A.9.4.3", "Password management system");
const A12_1_4: ControlRef = c(
    Iso27001_2013,
    "A.12.1.4",
    "Separation of development, testing and operational environments",
);
const A12_4_1: ControlRef = c(Iso27001_2013, "A.12.4.1", "Event logging");
const A15_1_1: ControlRef = c(
    Iso27001_2013,
    "A.15.1.1",
    "Information security policy for supplier relationships",
);

// CIS Controls v8 safeguards.
const CIS_5_1: ControlRef = c(
    CisV8,
    "5.1",
    "Establish and Maintain an Inventory of Accounts",
);
const CIS_5_3: ControlRef = c(CisV8, "5.3", "Disable Dormant Accounts");
const CIS_5_4: ControlRef = c(
    CisV8,
    "5.4",
    "Restrict Administrator Privileges to Dedicated Administrator Accounts",
);
const CIS_5_5: ControlRef = c(
    CisV8,
    "5.5",
    "Establish and Maintain an Inventory of Service Accounts",
);
const CIS_6_1: ControlRef = c(CisV8, "6.1", "Establish an Access Granting Process");
const CIS_6_2: ControlRef = c(CisV8, "6.2", "Establish an Access Revoking Process");
const CIS_6_7: ControlRef = c(CisV8, "6.7", "Centralize Access Control");
const CIS_6_8: ControlRef = c(
    CisV8,
    "6.8",
    "Define and Maintain Role-Based Access Control",
);

// NIST SP 800-207 section 2.1 tenets.
const ZT_1: ControlRef = c(
    ZeroTrust,
    "tenet 1",
    "All data sources and computing services are considered resources",
);
const ZT_3: ControlRef = c(
    ZeroTrust,
    "tenet 3",
    "Access to individual enterprise resources is granted on a per-session basis",
);
const ZT_4: ControlRef = c(
    ZeroTrust,
    "tenet 4",
    "Access to resources is determined by dynamic policy",
);
const ZT_5: ControlRef = c(
    ZeroTrust,
    "tenet 5",
    "The enterprise monitors and measures the integrity and security posture of all owned and associated assets",
);
const ZT_6: ControlRef = c(
    ZeroTrust,
    "tenet 6",
    "All resource authentication and authorization are dynamic and strictly enforced before access is allowed",
);
const ZT_7: ControlRef = c(
    ZeroTrust,
    "tenet 7",
    "The enterprise collects as much information as possible about the current state of assets, network infrastructure and communications and uses it to improve its security posture",
);

/// The controls an OWASP NHI risk bears on, by framework.
pub fn references(risk: OwaspNhi) -> &'static [ControlRef] {
    match risk {
        // Improper offboarding: identities outliving their owner or their purpose.
        OwaspNhi::Nhi1 => &[
            PR_AA_01, ID_AM_02, A5_16, A5_18, A8_16, A9_2_1, A9_2_6, CIS_5_3, CIS_5_5, CIS_6_2,
            ZT_5,
        ],
        // Secret leakage: credentials in code, history, configs, CI.
        OwaspNhi::Nhi2 => &[
            PR_AA_01, PR_DS_01, DE_CM_09, A5_17, A8_5, A9_2_4, A9_4_3, CIS_5_5, ZT_6,
        ],
        // Vulnerable third-party NHIs: OAuth apps, integrations, MCP servers.
        OwaspNhi::Nhi3 => &[
            GV_SC_07, PR_AA_05, A5_19, A5_18, A15_1_1, A9_2_2, CIS_6_1, CIS_6_8, ZT_4,
        ],
        // Insecure authentication: static keys where federation exists, legacy formats.
        OwaspNhi::Nhi4 => &[PR_AA_03, A8_5, A5_17, A9_4_2, A9_2_4, CIS_6_7, ZT_3, ZT_6],
        // Overprivileged NHIs: admin, wildcards, escalation paths, unused grants.
        OwaspNhi::Nhi5 => &[
            PR_AA_05, A8_2, A5_15, A5_18, A9_2_3, A9_2_5, CIS_5_4, CIS_6_8, ZT_3, ZT_4,
        ],
        // Insecure cloud deployment configurations: CI/CD keys, loose OIDC trust.
        OwaspNhi::Nhi6 => &[PR_PS_01, PR_AA_03, A8_9, A8_5, A9_4_2, CIS_6_7, ZT_6],
        // Long-lived secrets: no expiry, no rotation.
        OwaspNhi::Nhi7 => &[PR_AA_01, A5_17, A8_5, A9_2_4, A9_4_3, CIS_5_5, ZT_3],
        // Environment isolation: one credential or identity across prod and non-prod.
        OwaspNhi::Nhi8 => &[
            PR_IR_01, PR_AA_05, A8_31, A5_15, A12_1_4, CIS_6_8, ZT_1, ZT_4,
        ],
        // NHI reuse: one identity for several workloads.
        OwaspNhi::Nhi9 => &[
            PR_AA_01, PR_AA_05, A5_16, A5_15, A9_2_1, CIS_5_5, CIS_5_1, ZT_3,
        ],
        // Human use of NHIs: people logging in as a service identity.
        OwaspNhi::Nhi10 => &[
            PR_AA_02, DE_CM_03, A5_16, A8_15, A8_16, A9_2_1, A12_4_1, CIS_5_1, ZT_5, ZT_7,
        ],
    }
}

/// [`references`] as a finding carries them: framework key → control IDs.
pub fn reference_ids(risk: OwaspNhi) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut map = std::collections::BTreeMap::<String, Vec<String>>::new();
    for control in references(risk) {
        map.entry(control.framework.key().to_string())
            .or_default()
            .push(control.id.to_string());
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_risk_maps_to_every_framework() {
        for risk in OwaspNhi::ALL {
            let refs = references(*risk);
            for framework in Framework::ALL {
                assert!(
                    refs.iter().any(|r| r.framework == framework),
                    "{risk} has no {} reference",
                    framework.title()
                );
            }
            let mut ids: Vec<_> = refs.iter().map(|r| (r.framework, r.id)).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), refs.len(), "{risk} lists a control twice");
        }
    }

    #[test]
    fn the_iso_controls_auditors_ask_about_are_all_covered() {
        let covered: Vec<&str> = OwaspNhi::ALL
            .iter()
            .flat_map(|r| references(*r))
            .filter(|r| r.framework == Framework::Iso27001_2022)
            .map(|r| r.id)
            .collect();
        for id in [
            "A.5.15", "A.5.16", "A.5.17", "A.5.18", "A.8.2", "A.8.5", "A.8.15", "A.8.16",
        ] {
            assert!(covered.contains(&id), "{id} is not mapped");
        }
        let cis: Vec<&str> = OwaspNhi::ALL
            .iter()
            .flat_map(|r| references(*r))
            .filter(|r| r.framework == Framework::CisV8)
            .map(|r| r.id)
            .collect();
        assert!(
            cis.iter()
                .all(|id| id.starts_with("5.") || id.starts_with("6."))
        );
    }
}
