//! The keys of [`Map`](crate::Map)s: the names templates use over and over (`Type`,
//! `Properties`, `IpProtocol`, `CidrIp`, `Description`, …) are held as one shared text
//! each, not copied into every map that has them. A template of 285,000 inline rules has
//! some 1.4 million such keys; each would otherwise be an allocation of its own.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// A map key: a name of the vocabulary, or text of its own. 16 bytes, so an entry of a
/// map (key and value) takes 72.
#[derive(Clone)]
pub(crate) enum Key {
    /// A name of [`VOCABULARY`] (a pointer into it).
    Known(&'static &'static str),
    /// Any other text.
    Owned(Box<str>),
}

impl Key {
    /// The key as an owned string.
    pub(crate) fn into_string(self) -> String {
        match self {
            Key::Known(k) => (*k).to_owned(),
            Key::Owned(k) => k.into_string(),
        }
    }
}

impl Deref for Key {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Key::Known(k) => k,
            Key::Owned(k) => k,
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        **self == **other
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

/// The key `text` (copied only when it is no name of the vocabulary).
pub(crate) fn key(text: &str) -> Key {
    match known(text) {
        Some(k) => Key::Known(k),
        None => Key::Owned(text.into()),
    }
}

/// The key `text`, kept when it is no name of the vocabulary.
pub(crate) fn key_owned(text: String) -> Key {
    match known(&text) {
        Some(k) => Key::Known(k),
        None => Key::Owned(text.into_boxed_str()),
    }
}

fn known(text: &str) -> Option<&'static &'static str> {
    // Names are at most 32 bytes; most texts are not names at all.
    if text.len() > 32 {
        return None;
    }
    // Ordered by length first: most comparisons end at the lengths.
    VOCABULARY.binary_search_by(|k| (k.len(), *k).cmp(&(text.len(), text))).ok().map(|i| &VOCABULARY[i])
}

/// The names, sorted by length, then bytes: template sections and resource attributes, the
/// properties of the network resources and of the workloads that join their groups,
/// tags, and ringfence's suppressions.
const VOCABULARY: &[&str] = &[
    "To",
    "id",
    "Key",
    "Code",
    "From",
    "Icmp",
    "Name",
    "Tags",
    "Type",
    "Value",
    "VpcId",
    "CidrIp",
    "Egress",
    "Export",
    "ToPort",
    "reason",
    "Default",
    "GroupId",
    "ImageId",
    "Outputs",
    "Subnets",
    "CidrIpv6",
    "FromPort",
    "GroupSet",
    "Mappings",
    "Metadata",
    "Protocol",
    "SubnetId",
    "suppress",
    "CidrBlock",
    "Condition",
    "DependsOn",
    "GatewayId",
    "GroupName",
    "PortRange",
    "Resources",
    "SubnetIds",
    "Transform",
    "VpcConfig",
    "ringfence",
    "Conditions",
    "IpProtocol",
    "Parameters",
    "Properties",
    "RuleAction",
    "RuleNumber",
    "Description",
    "InstanceType",
    "NatGatewayId",
    "NetworkAclId",
    "RouteTableId",
    "UpdatePolicy",
    "aws:cdk:path",
    "AllowedValues",
    "Ipv6CidrBlock",
    "AllowedPattern",
    "CreationPolicy",
    "DeletionPolicy",
    "SecurityGroups",
    "InstanceTenancy",
    "AvailabilityZone",
    "EnableDnsSupport",
    "GroupDescription",
    "SecurityGroupIds",
    "InternetGatewayId",
    "NetworkInterfaces",
    "EnableDnsHostnames",
    "LaunchTemplateData",
    "SourcePrefixListId",
    "AwsvpcConfiguration",
    "MapPublicIpOnLaunch",
    "SecurityGroupEgress",
    "UpdateReplacePolicy",
    "DestinationCidrBlock",
    "NetworkConfiguration",
    "SecurityGroupIngress",
    "ConstraintDescription",
    "SourceSecurityGroupId",
    "DestinationPrefixListId",
    "SourceSecurityGroupName",
    "AWSTemplateFormatVersion",
    "AssociatePublicIpAddress",
    "DestinationIpv6CidrBlock",
    "DestinationSecurityGroupId",
    "SourceSecurityGroupOwnerId",
    "EgressOnlyInternetGatewayId",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_is_sorted_and_short() {
        assert!(VOCABULARY.windows(2).all(|w| (w[0].len(), w[0]) < (w[1].len(), w[1])), "sorted, each once");
        assert!(VOCABULARY.iter().all(|k| known(k) == Some(k)));
        assert!(VOCABULARY.iter().all(|k| k.len() <= 32));
    }

    #[test]
    fn names_are_shared_and_other_texts_kept() {
        assert!(matches!(key("IpProtocol"), Key::Known(&"IpProtocol")));
        assert!(matches!(key_owned("Type".to_owned()), Key::Known(&"Type")));
        assert!(matches!(key("MyCustomProperty"), Key::Owned(k) if &*k == "MyCustomProperty"));
        assert!(matches!(key_owned("ipprotocol".to_owned()), Key::Owned(k) if &*k == "ipprotocol"));
        assert_eq!(std::mem::size_of::<Key>(), 16);
        assert_eq!(key("Type"), key_owned("Type".to_owned()));
        assert_eq!(key("x").into_string(), "x");
    }
}
