/// The OWASP Non-Human Identities Top 10 (2025). Every finding names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OwaspNhi {
    Nhi1,
    Nhi2,
    Nhi3,
    Nhi4,
    Nhi5,
    Nhi6,
    Nhi7,
    Nhi8,
    Nhi9,
    Nhi10,
}

crate::string_enum!(OwaspNhi, "OWASP NHI risk", {
    Nhi1 => "NHI1",
    Nhi2 => "NHI2",
    Nhi3 => "NHI3",
    Nhi4 => "NHI4",
    Nhi5 => "NHI5",
    Nhi6 => "NHI6",
    Nhi7 => "NHI7",
    Nhi8 => "NHI8",
    Nhi9 => "NHI9",
    Nhi10 => "NHI10",
});

impl OwaspNhi {
    pub fn title(self) -> &'static str {
        match self {
            OwaspNhi::Nhi1 => "Improper Offboarding",
            OwaspNhi::Nhi2 => "Secret Leakage",
            OwaspNhi::Nhi3 => "Vulnerable Third-Party NHI",
            OwaspNhi::Nhi4 => "Insecure Authentication",
            OwaspNhi::Nhi5 => "Overprivileged NHI",
            OwaspNhi::Nhi6 => "Insecure Cloud Deployment Configurations",
            OwaspNhi::Nhi7 => "Long-Lived Secrets",
            OwaspNhi::Nhi8 => "Environment Isolation",
            OwaspNhi::Nhi9 => "NHI Reuse",
            OwaspNhi::Nhi10 => "Human Use of NHI",
        }
    }

    /// The ID as OWASP writes it, with the edition: `NHI2:2025`.
    pub fn qualified_id(self) -> String {
        format!("{}:2025", self.as_str())
    }
}
