//! Source-network enrichment for `nhi monitor` from MaxMind databases (GeoLite2 or
//! GeoIP2 ASN and Country `.mmdb` files the user supplies): with an ASN, a new /24
//! inside a known autonomous system is ordinary address churn, and a new ASN or
//! country is what a detector compares.

use std::net::IpAddr;
use std::path::Path;

use anyhow::{Context, Result};
use maxminddb::{Reader, geoip2};
use nhi_monitor::{NetworkEnricher, NetworkInfo};

pub(crate) struct MaxMind {
    asn: Option<Reader<Vec<u8>>>,
    country: Option<Reader<Vec<u8>>>,
}

impl MaxMind {
    /// `None` when neither database is given.
    pub(crate) fn open(asn: Option<&Path>, country: Option<&Path>) -> Result<Option<MaxMind>> {
        let open = |path: &Path| {
            Reader::open_readfile(path)
                .with_context(|| format!("cannot read the MaxMind database {}", path.display()))
        };
        let asn = asn.map(open).transpose()?;
        let country = country.map(open).transpose()?;
        Ok((asn.is_some() || country.is_some()).then_some(MaxMind { asn, country }))
    }
}

impl NetworkEnricher for MaxMind {
    fn enrich(&self, ip: IpAddr) -> Option<NetworkInfo> {
        let mut info = NetworkInfo::default();
        if let Some(reader) = &self.asn
            && let Ok(Some(asn)) = reader.lookup::<geoip2::Asn>(ip)
        {
            info.asn = asn.autonomous_system_number;
            info.as_org = asn.autonomous_system_organization.map(str::to_string);
        }
        if let Some(reader) = &self.country
            && let Ok(Some(country)) = reader.lookup::<geoip2::Country>(ip)
        {
            info.country = country
                .country
                .or(country.registered_country)
                .and_then(|c| c.iso_code)
                .map(str::to_string);
        }
        (info != NetworkInfo::default()).then_some(info)
    }
}
