//! Identifier shapes AWS uses, drawn from the seeded generator.

use rand::Rng;

const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const HEX: &[u8] = b"0123456789abcdef";

/// A random version-4 UUID in its lower-case text form, as CloudTrail writes eventID.
pub fn uuid(rng: &mut impl Rng) -> String {
    let bits: u128 = rng.random();
    // Set the version (4) and RFC 4122 variant bits so the value is a well-formed v4 UUID.
    let bits = (bits & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let mut out = String::with_capacity(36);
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        let nibble = (bits >> (124 - 4 * i)) & 0xf;
        out.push(HEX[nibble as usize] as char);
    }
    out
}

/// An IAM unique id or access key id: a four-letter prefix (AKIA, ASIA, AROA, AIDA)
/// followed by base-32 characters, as IAM issues them.
pub fn iam_id(rng: &mut impl Rng, prefix: &str, len: usize) -> String {
    let mut out = String::with_capacity(prefix.len() + len);
    out.push_str(prefix);
    for _ in 0..len {
        out.push(KEY_ALPHABET[rng.random_range(0..KEY_ALPHABET.len())] as char);
    }
    out
}

pub fn access_key_id(rng: &mut impl Rng, long_term: bool) -> String {
    iam_id(rng, if long_term { "AKIA" } else { "ASIA" }, 16)
}

/// S3 and some other services return a 16-character upper-case hex request id.
pub fn hex_request_id(rng: &mut impl Rng) -> String {
    (0..16)
        .map(|_| HEX[rng.random_range(0..16)].to_ascii_uppercase() as char)
        .collect()
}

pub fn alphanumeric(rng: &mut impl Rng, len: usize) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char)
        .collect()
}

pub fn account_id(rng: &mut impl Rng) -> String {
    format!(
        "{:012}",
        rng.random_range(100_000_000_000u64..999_999_999_999)
    )
}

pub fn lower_hex(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| HEX[rng.random_range(0..16)] as char)
        .collect()
}

/// An IPv4 network the generator draws addresses from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Network {
    /// CIDR text, e.g. `203.0.113.0/24`.
    pub cidr: String,
    /// What the network stands for: office, github-actions, aws-nat, attacker-vps...
    pub label: String,
}

impl Network {
    pub fn new(cidr: &str, label: &str) -> Self {
        Network {
            cidr: cidr.to_string(),
            label: label.to_string(),
        }
    }

    pub fn sample_ip(&self, rng: &mut impl Rng) -> String {
        let (base, prefix) = self
            .cidr
            .split_once('/')
            .expect("network cidr has a prefix");
        let prefix: u32 = prefix.parse().expect("network prefix is a number");
        let octets: Vec<u32> = base.split('.').map(|o| o.parse().expect("octet")).collect();
        let base = (octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3];
        let host_bits = 32 - prefix;
        let span = if host_bits == 0 { 1 } else { 1u64 << host_bits };
        // Skip the network and broadcast addresses of ordinary subnets.
        let offset = if span > 4 {
            rng.random_range(1..span - 1)
        } else {
            rng.random_range(0..span)
        };
        let ip = base.wrapping_add(offset as u32);
        format!(
            "{}.{}.{}.{}",
            ip >> 24,
            (ip >> 16) & 0xff,
            (ip >> 8) & 0xff,
            ip & 0xff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn uuids_are_version_4() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..100 {
            let id = uuid(&mut rng);
            assert_eq!(id.len(), 36);
            assert_eq!(&id[14..15], "4");
            assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        }
    }

    #[test]
    fn key_ids_have_the_iam_shape() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let key = access_key_id(&mut rng, true);
        assert!(key.starts_with("AKIA") && key.len() == 20);
        assert!(
            key[4..]
                .chars()
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
        );
        assert!(access_key_id(&mut rng, false).starts_with("ASIA"));
    }

    #[test]
    fn sampled_addresses_stay_inside_their_network() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let net = Network::new("203.0.113.16/28", "office");
        for _ in 0..200 {
            let ip: std::net::Ipv4Addr = net.sample_ip(&mut rng).parse().unwrap();
            let last = ip.octets()[3];
            assert_eq!(ip.octets()[..3], [203, 0, 113]);
            assert!((17..31).contains(&last), "{ip}");
        }
    }
}
