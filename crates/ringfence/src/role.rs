//! Role names of security groups.

/// What a security group encloses, and in which environment: its name in AWS.
///
/// Groups are named after the role of what they enclose (`game-servers`, `chat-db`),
/// never after what they allow (`allow-https-8443`), so the name survives a change of
/// port and a reviewer knows what is inside. The environment is appended:
/// `game-servers-production`. A plain `&str` takes the app's environment.
///
/// ```
/// use ringfence::{App, Role, VpcSpec};
/// let app = App::new("games").environment("production");
/// let mut net = app.stack("network")?;
/// let vpc = net.vpc("main", VpcSpec::new("10.0.0.0/16")?)?;
/// let servers = net.security_group(&vpc, "game-servers", "Dedicated game server tasks")?;
/// let monitoring = net.security_group(&vpc, Role::new("monitoring").without_environment(),
///     "Tasks that scrape metrics of every environment")?;
/// assert_eq!(servers.name(), "game-servers-production");
/// assert_eq!(monitoring.name(), "monitoring");
/// # Ok::<(), ringfence::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub(crate) name: String,
    pub(crate) environment: EnvChoice,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EnvChoice {
    App,
    None,
    Given(String),
}

impl Role {
    /// A role; the group name gets the app's environment, if it has one.
    pub fn new(name: impl Into<String>) -> Role {
        Role { name: name.into(), environment: EnvChoice::App }
    }

    /// Names this group for another environment than the app's.
    #[must_use]
    pub fn environment(mut self, environment: impl Into<String>) -> Role {
        self.environment = EnvChoice::Given(environment.into());
        self
    }

    /// A group shared by every environment: no suffix.
    #[must_use]
    pub fn without_environment(mut self) -> Role {
        self.environment = EnvChoice::None;
        self
    }

    pub(crate) fn group_name(&self, app_env: Option<&str>) -> String {
        let env = match &self.environment {
            EnvChoice::App => app_env,
            EnvChoice::None => None,
            EnvChoice::Given(e) => Some(e.as_str()),
        };
        match env {
            Some(e) => format!("{}-{e}", self.name),
            None => self.name.clone(),
        }
    }
}

impl From<&str> for Role {
    fn from(name: &str) -> Role {
        Role::new(name)
    }
}
impl From<String> for Role {
    fn from(name: String) -> Role {
        Role::new(name)
    }
}
impl From<&String> for Role {
    fn from(name: &String) -> Role {
        Role::new(name.clone())
    }
}
