"""The request bodies of the management resources, as the runwayml 5.24.0 request types state them.

One spec per operation (types/*_params.py): Required fields, Literal enums and what docstrings say
("Must be at least 20 characters", "Must start with a letter or underscore", "At least one field
must be provided", "a wss:// or https:// URL"). Nothing here is a rule of our own.
"""

from __future__ import annotations

from .. import catalog
from .schema import Bool, Enum, Int, ListOf, MapOf, Nullable, Num, Obj, OneOf, Scalar, SocketUrl, Str, Uri

# Runway Live preset voices for avatars (avatar_create_params.VoiceRunwayLivePreset), display names
# as the docstring lists them.
LIVE_VOICES = ("victoria", "vincent", "clara", "drew", "skye", "max", "morgan", "felix", "mia", "marcus", "summer",
               "ruby", "aurora", "jasper", "leo", "adrian", "nina", "emma", "blake", "david", "maya", "nathan", "sam",
               "georgia", "petra", "adam", "zach", "violet", "roman", "luna")
PRESET_AVATARS = ("game-character", "music-superstar", "game-character-man", "cat-character", "influencer",
                  "tennis-coach", "human-resource", "fashion-designer", "cooking-teacher")
VOICE_DESIGN_MODELS = ("eleven_ttv_v3", "eleven_multilingual_ttv_v2")
ROUTER_FILTERS = ("capability", "prompt_length", "input_support", "allow_deny", "price")
AUDIT_ACTIONS = tuple("""
UserLogin PasswordChanged EmailChangeRequested EmailChanged UserRegistered UserAccountDeleted WorkspaceCreated
WorkspaceDeleted MemberInvited MemberInviteReminderSent MemberRemoved MemberRoleChanged InviteAccepted
MemberJoinedViaDomain TeamSettingsUpdated InviteLinkToggled UserGroupCreated UserGroupUpdated UserGroupDeleted
UserGroupArchived UserGroupRestored UserGroupMemberAdded UserGroupMemberRemoved UserGroupCreditCapUpdated
UserGroupVisibilityUpdated SSOLogin SSOUserProvisioned SSOConfigCreated SSOUserAutoAddedToTeam
SSODomainRegistrationCloned AssetCreated AssetUpdated AssetDeleted AssetDownloaded AssetShared AssetUnshared
CommentCreated CommentEdited CommentDeleted CommentAgentCallRun CommentRemovedByModerator CommentRestoredByModerator
CommentRemovalReasonChanged PermissionGranted PermissionUpdated PermissionRevoked PermissionAccepted
SubscriptionCancelled SubscriptionReactivatedWithOffer SubscriptionPlanSwitched CreditsTransferred SeatsTransferred
SessionShared SessionUnshared VideoProjectShared VideoProjectUnshared BrandKitShared BrandKitUnshared
AgentCustomSkillCreated AgentCustomSkillDeleted AgentCustomSkillShared AgentCustomSkillUnshared AgentSessionShared
AgentSessionUnshared AgentConnectorLinkTokenCreated AgentConnectorConnected AgentConnectorDisconnected
AgentConnectorAssetExported AgentConnectorSessionEnabled AgentConnectorSessionDisabled GenerationCreated
StudioSessionOpened AppStudioAiRunOpened AccountLinkCreated AccountLinkDeleted AdConnectionAuthorizationStarted
AdConnectionConnected AdAccountSelectionUpdated AdAccountSyncRequested AdConnectionDisconnected
AdWorkspaceOnboardingUpdated AdCreativeReviewSubmitted AdCreativeReviewCancelled AdCreativeReviewDecided
AdCreativeApprovalRevoked AdCreativeArchived AdCreativeUnarchived AdPublishBatchQueued AdPublishBatchCancelled
AdPublishBatchRetried OrganizationSettingsUpdated OrganizationDisabledModelsUpdated OrganizationAgentSandboxUpdated
OrganizationApiAccountReleased OrganizationApiAccountMemberInvited OrganizationApiAccountMemberRoleChanged
OrganizationApiAccountMemberRemoved WorkspaceCountryLockUpdated WorkspaceTagCreated WorkspaceTagUpdated
WorkspaceTagDeleted WorkspaceTagAssigned WorkspaceTagUnassigned MeteredBillingConfigUpdated
MeteredBillingRefillTriggered MeteredBillingRetryTriggered EnterpriseSpendCapEnforcementUpdated
OnboardingBonusGranted AwsMarketplaceEnterpriseSubscriptionLinked""".split())

_TEXT = Str()
_IDS = ListOf(_TEXT)

# -- avatars ----------------------------------------------------------------------------------------
_AVATAR_VOICE = OneOf("type", {
    "runway-live-preset": Obj({"presetId": Enum(LIVE_VOICES), "type": _TEXT}),
    "custom": Obj({"id": _TEXT, "type": _TEXT}),
})
_AVATAR_FIELDS = {"name": _TEXT, "personality": _TEXT, "referenceImage": Uri(catalog.IMAGE), "voice": _AVATAR_VOICE}
_AVATAR_EXTRAS = {"documentIds": _IDS, "imageProcessing": Enum(("optimize", "none"))}
AVATAR_CREATE = Obj(_AVATAR_FIELDS, {**_AVATAR_EXTRAS, "startScript": _TEXT})
AVATAR_UPDATE = Obj({}, {**_AVATAR_FIELDS, **_AVATAR_EXTRAS, "startScript": Nullable(_TEXT)}, at_least_one=True)

# -- documents --------------------------------------------------------------------------------------
DOCUMENT_CREATE = Obj({"content": _TEXT, "name": _TEXT})
DOCUMENT_UPDATE = Obj({}, {"content": _TEXT, "name": _TEXT}, at_least_one=True)

# -- voices -----------------------------------------------------------------------------------------
_DESIGN = {"model": Enum(VOICE_DESIGN_MODELS), "prompt": Str(min_len=20)}
VOICE_CREATE = Obj({"from": OneOf("type", {"audio": Obj({"audio": Uri(catalog.AUDIO), "type": _TEXT}),
                                           "text": Obj({**_DESIGN, "type": _TEXT})}),
                    "name": _TEXT},
                   {"description": Nullable(_TEXT)})
VOICE_UPDATE = Obj({}, {"description": Nullable(_TEXT), "name": _TEXT})
VOICE_PREVIEW = Obj(_DESIGN)

# -- routers ----------------------------------------------------------------------------------------
_MODES = Enum(("allow_new_except", "allowlist_only"))


def _settings(update: bool) -> Obj:
    cap = Nullable(Int()) if update else Int()
    caps = Obj({}, {"audio": cap, "image": cap, "video": cap})
    # An update merges: "omitted models.mode or models.ids are preserved", so neither is required there.
    models = Obj({}, {"ids": _IDS, "mode": _MODES}) if update else Obj({"ids": _IDS, "mode": _MODES})
    return Obj({}, {"fallback": Obj({}, {"onCapacity": Bool()}),
                    "maxCreditsPerGeneration": Nullable(caps) if update else caps,
                    "models": models,
                    "optimizeFor": Enum(("cost", "latency", "quality")),
                    "schemaVersion": Enum((1,))})


ROUTER_CREATE = Obj({"slug": _TEXT}, {"description": _TEXT, "name": _TEXT, "settings": _settings(False)})
ROUTER_UPDATE = Obj({}, {"description": Nullable(_TEXT), "name": _TEXT, "settings": _settings(True)})

# -- realtime sessions ------------------------------------------------------------------------------
_LIVEKIT = {"token": _TEXT, "roomName": _TEXT, "url": SocketUrl()}
_TOOL_NAME = Str(pattern=r"[A-Za-z_][A-Za-z0-9_]*", rule=" starting with a letter or underscore, then letters, "
                                                         "digits or underscores")
_PARAM_BASE = {"description": _TEXT, "name": _TEXT, "type": _TEXT}
_PARAMETER = OneOf("type", {
    "string": Obj(_PARAM_BASE, {"enum": _IDS, "required": Bool()}),
    "integer": Obj(_PARAM_BASE, {"required": Bool()}),
    "number": Obj(_PARAM_BASE, {"required": Bool()}),
    "boolean": Obj(_PARAM_BASE, {"required": Bool()}),
    "array": Obj({**_PARAM_BASE, "items": Obj({"type": Enum(("string", "integer", "number", "boolean"))})},
                 {"required": Bool()}),
    "object": Obj({**_PARAM_BASE, "properties": ListOf(Obj())}, {"required": Bool()}),
})
_TOOL_BASE = {"description": _TEXT, "name": _TOOL_NAME, "type": _TEXT}
SESSION_CREATE = Obj(
    {"avatar": OneOf("type", {"runway-preset": Obj({"presetId": Enum(PRESET_AVATARS), "type": _TEXT}),
                              "custom": Obj({"avatarId": _TEXT, "type": _TEXT})}),
     "model": Enum(("gwm1_avatars",))},
    {"integration": OneOf("type", {"elevenlabs": Obj({"signedUrl": SocketUrl(), "type": _TEXT}),
                                   "livekit": Obj({**_LIVEKIT, "type": _TEXT}, {"agentIdentity": _TEXT})}),
     "livekit": Obj(_LIVEKIT, {"agentIdentity": _TEXT}),
     "maxDuration": Int(),
     "personality": _TEXT,
     "startScript": _TEXT,
     "tools": ListOf(OneOf("type", {
         "client_event": Obj(_TOOL_BASE, {"parameters": ListOf(_PARAMETER)}),
         "backend_rpc": Obj(_TOOL_BASE, {"parameters": ListOf(_PARAMETER), "timeoutSeconds": Num()}),
     }))})

# -- workflows --------------------------------------------------------------------------------------
_NODE_VALUE = OneOf("type", {
    "primitive": Obj({"type": _TEXT, "value": Scalar()}),
    "image": Obj({"type": _TEXT, "uri": Uri(catalog.IMAGE)}),
    "video": Obj({"type": _TEXT, "uri": Uri(catalog.VIDEO)}),
    "audio": Obj({"type": _TEXT, "uri": Uri(catalog.AUDIO)}),
})
WORKFLOW_RUN = Obj({}, {"nodeOutputs": MapOf(MapOf(_NODE_VALUE))})
