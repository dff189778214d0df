//! Who is calling: users from a TOML file with argon2 password hashes, a basic-auth handshake
//! that returns an expiring bearer token, and the check of that token on every call.
//!
//! The users file:
//! ```toml
//! [[users]]
//! name = "ana"
//! role = "analyst"
//! password_hash = "$argon2id$v=19$m=19456,t=2,p=1$..."   # from `amigo hash-password`
//!
//! [roles.marketing]          # optional: what the restricted roles may read
//! read = ["analytics.audience_*", "analytics.segment_*"]
//! ```
//!
//! A token is `<id>.<secret>`: the id finds the session, the secret is compared in constant time,
//! so neither a lookup miss nor a partial match tells an attacker anything about a valid token.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tonic::Status;

use super::policy::{Role, RolesConfig};

/// A user who may connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    #[serde(default)]
    users: Vec<UserEntry>,
    #[serde(default)]
    roles: RolesConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    name: String,
    role: Role,
    password_hash: String,
}

/// The users file, checked: every hash parses, no name appears twice.
#[derive(Debug, Clone)]
pub struct Users {
    users: HashMap<String, (User, String)>,
    /// The hash of a random password, verified for unknown user names.
    dummy_hash: String,
    pub roles: RolesConfig,
}

impl Users {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the users file {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("users file {}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: UsersFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut users = HashMap::new();
        for entry in file.users {
            if entry.name.is_empty() || entry.name.contains(':') {
                return Err(format!(
                    "user name {:?} is empty or holds ':' (basic auth splits on it)",
                    entry.name
                ));
            }
            PasswordHash::new(&entry.password_hash).map_err(|e| {
                format!(
                    "user {}: password_hash is not an argon2 PHC string ({e}); make one with `amigo hash-password`",
                    entry.name
                )
            })?;
            let user = User {
                name: entry.name.clone(),
                role: entry.role,
            };
            if users
                .insert(entry.name.clone(), (user, entry.password_hash))
                .is_some()
            {
                return Err(format!("user {} appears twice", entry.name));
            }
        }
        let dummy_hash = hash_password(&uuid::Uuid::new_v4().to_string())?;
        Ok(Self {
            users,
            dummy_hash,
            roles: file.roles,
        })
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Checks a password. Slow on purpose (argon2): call it off the async threads. An unknown
    /// user costs the same as a wrong password, so timing does not reveal which names exist.
    pub fn verify(&self, name: &str, password: &str) -> Option<User> {
        let argon = Argon2::default();
        match self.users.get(name) {
            Some((user, hash)) => {
                let parsed = PasswordHash::new(hash).ok()?;
                argon
                    .verify_password(password.as_bytes(), &parsed)
                    .ok()
                    .map(|()| user.clone())
            }
            None => {
                if let Ok(parsed) = PasswordHash::new(&self.dummy_hash) {
                    let _ = argon.verify_password(password.as_bytes(), &parsed);
                }
                None
            }
        }
    }
}

/// Hashes a password for the users file (argon2id, default parameters, random salt).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt_bytes = *uuid::Uuid::new_v4().as_bytes();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Reads `user:password` from an `authorization: Basic ...` header value.
pub fn parse_basic(header: &str) -> Result<(String, String), Status> {
    let encoded = header
        .strip_prefix("Basic ")
        .ok_or_else(|| Status::unauthenticated("expected basic authentication in the handshake"))?;
    // With or without `=` padding: the Go Flight client (ADBC) leaves it out.
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let decoded = engine
        .decode(encoded.trim())
        .map_err(|_| Status::unauthenticated("the basic authentication header is not base64"))?;
    let text = String::from_utf8(decoded)
        .map_err(|_| Status::unauthenticated("the basic authentication header is not UTF-8"))?;
    let (user, password) = text
        .split_once(':')
        .ok_or_else(|| Status::unauthenticated("the basic authentication header has no ':'"))?;
    Ok((user.to_string(), password.to_string()))
}

struct Session {
    user: User,
    secret: String,
    expires: Instant,
}

/// Bearer tokens handed out by the handshake.
pub struct Tokens {
    ttl: Duration,
    sessions: Mutex<HashMap<String, Session>>,
}

impl Tokens {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// A new token for `user`, valid for the configured time.
    pub fn issue(&self, user: User) -> String {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let secret = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let now = Instant::now();
        let mut sessions = self.lock();
        sessions.retain(|_, s| s.expires > now);
        sessions.insert(
            id.clone(),
            Session {
                user,
                secret: secret.clone(),
                expires: now + self.ttl,
            },
        );
        format!("{id}.{secret}")
    }

    /// The user a token belongs to, if it is valid and has not expired.
    pub fn check(&self, token: &str) -> Result<User, Status> {
        let invalid = || Status::unauthenticated("invalid bearer token; log in again");
        let (id, secret) = token.split_once('.').ok_or_else(invalid)?;
        let mut sessions = self.lock();
        let session = sessions.get(id).ok_or_else(invalid)?;
        if !bool::from(session.secret.as_bytes().ct_eq(secret.as_bytes())) {
            return Err(invalid());
        }
        if Instant::now() >= session.expires {
            sessions.remove(id);
            return Err(Status::unauthenticated(
                "the bearer token expired; log in again",
            ));
        }
        Ok(session.user.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A poisoned lock only means a thread panicked between two whole-map operations.
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How the server authenticates callers.
pub enum Authenticator {
    /// Users from a file; tokens from the handshake.
    Users { users: Arc<Users>, tokens: Tokens },
    /// No authentication (`--no-auth`): every caller is `admin`. For local use only.
    Open,
}

impl Authenticator {
    pub fn user_for_bearer(&self, header: Option<&str>) -> Result<User, Status> {
        match self {
            Authenticator::Open => Ok(anonymous()),
            Authenticator::Users { tokens, .. } => {
                let header = header.ok_or_else(|| {
                    Status::unauthenticated(
                        "no authorization header: log in with the handshake (user and password) first",
                    )
                })?;
                let token = header.strip_prefix("Bearer ").ok_or_else(|| {
                    Status::unauthenticated("expected an `authorization: Bearer <token>` header")
                })?;
                tokens.check(token.trim())
            }
        }
    }
}

/// The caller when authentication is off.
pub fn anonymous() -> User {
    User {
        name: "anonymous".into(),
        role: Role::Admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> Users {
        let hash = hash_password("s3cret").expect("hash");
        Users::parse(&format!(
            "[[users]]\nname = \"ana\"\nrole = \"analyst\"\npassword_hash = \"{hash}\"\n"
        ))
        .expect("parse")
    }

    #[test]
    fn passwords_verify() {
        let users = users();
        assert_eq!(
            users.verify("ana", "s3cret").map(|u| u.role),
            Some(Role::Analyst)
        );
        assert_eq!(users.verify("ana", "wrong"), None);
        assert_eq!(users.verify("bob", "s3cret"), None);
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(
            Users::parse("[[users]]\nname = \"a\"\nrole = \"boss\"\npassword_hash = \"x\"")
                .is_err()
        );
        assert!(
            Users::parse("[[users]]\nname = \"a\"\nrole = \"admin\"\npassword_hash = \"plain\"")
                .is_err()
        );
    }

    #[test]
    fn tokens_check_and_expire() {
        let user = User {
            name: "ana".into(),
            role: Role::Analyst,
        };
        let tokens = Tokens::new(Duration::from_secs(60));
        let token = tokens.issue(user.clone());
        assert_eq!(tokens.check(&token).ok(), Some(user.clone()));
        let forged = format!("{}x", &token[..token.len() - 1]);
        assert!(tokens.check(&forged).is_err());
        assert!(tokens.check("nonsense").is_err());
        let expired = Tokens::new(Duration::ZERO);
        let token = expired.issue(user);
        let error = expired.check(&token).expect_err("expired");
        assert!(error.message().contains("expired"));
    }

    #[test]
    fn basic_header() {
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("ana:pa:ss")
        );
        assert_eq!(
            parse_basic(&header).ok(),
            Some(("ana".to_string(), "pa:ss".to_string()))
        );
        assert!(parse_basic("Bearer x").is_err());
        // "analyst_user:correct horse" without its `=` padding, as the Go client sends it.
        assert_eq!(
            parse_basic("Basic YW5hbHlzdF91c2VyOmNvcnJlY3QgaG9yc2U").ok(),
            Some(("analyst_user".to_string(), "correct horse".to_string()))
        );
    }
}
