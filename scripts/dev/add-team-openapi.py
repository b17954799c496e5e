# One-off helper used to add the team/security routes to openapi.json (kept for reference).
import json, sys
p = 'Sources/ChorusServer/Resources/openapi.json'
d = json.load(open(p))
S = d['components']['schemas']
sec = [{"bearer": []}, {"cookie": []}]
err = {"$ref": "#/components/responses/Error"}
obj = {"type": "object"}
def ref(n): return {"$ref": "#/components/schemas/" + n}
def j(schema): return {"application/json": {"schema": schema}}
def idp(name="id", t="integer"):
    s = {"type": t}
    if t == "integer": s["format"] = "int64"
    return {"name": name, "in": "path", "required": True, "schema": s}
def op(opid, summary, ok="200", schema=obj, body=None, params=None, public=False, errors=("400", "401", "403", "404", "409", "422", "429"), content=None):
    o = {"operationId": opid, "summary": summary}
    o["security"] = [] if public else sec
    if params: o["parameters"] = params
    if body is not None: o["requestBody"] = {"required": True, "content": content or j(body)}
    r = {}
    if ok == "204": r["204"] = {"description": "Done"}
    else: r[ok] = {"description": "OK", "content": j(schema)}
    for e in errors: r[e] = err
    o["responses"] = r
    return o
def items(s): return {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": s}}}

S['Member']['properties'].update({"templateId": {"type": ["integer", "null"], "format": "int64"}, "twoFactorEnabled": {"type": "boolean"}, "deactivatedAt": {"type": ["integer", "null"], "format": "int64"}})
S['Member']['required'] = S['Member']['required'] + ["twoFactorEnabled"]
S['DeviceView'] = {"type": "object", "required": ["device", "current", "outdatedOS", "idleDays"], "properties": {"device": ref("Device"), "current": {"type": "boolean"}, "outdatedOS": {"type": "boolean"}, "idleDays": {"type": "integer"}}}
S['Me']['properties'].update({"deviceClass": {"type": "string", "enum": ["desktop", "tablet", "mobile"]}, "sendWindow": {"type": "string", "description": "HH:MM-HH:MM"}, "stepUp": {"type": "integer", "enum": [0, 1, 2]}, "mustEnrollTwoFactor": {"type": "boolean"}})
S['SignIn']['properties']['code'] = {"type": "string", "description": "Authenticator code or recovery code, when two-step verification is on"}
perm = {"type": "string", "enum": ["send_messages", "view_all_conversations", "assign_conversations", "edit_business_profile", "delete_chat_history", "send_broadcasts", "view_customer_catalog", "set_auto_replies", "payment", "manage_members", "export_chat_history", "manage_labels", "manage_routing", "manage_channels"]}
S['Permission'] = perm
S['PermissionTemplate'] = {"type": "object", "required": ["id", "name", "description", "grants", "revokes", "memberCount"], "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}, "description": {"type": "string"}, "grants": {"type": "array", "items": ref("Permission")}, "revokes": {"type": "array", "items": ref("Permission")}, "sendWindow": {"type": "string"}, "memberCount": {"type": "integer"}}}
S['PermissionTemplateInput'] = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 80}, "description": {"type": "string"}, "grants": {"type": "array", "items": ref("Permission")}, "revokes": {"type": "array", "items": ref("Permission")}, "sendWindow": {"type": "string", "description": "HH:MM-HH:MM in the workspace's time zone"}}}
S['Invite'] = {"type": "object", "required": ["id", "email", "name", "role", "createdAt", "expiresAt"], "properties": {"id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string"}, "templateId": {"type": "integer"}, "createdAt": {"type": "integer"}, "expiresAt": {"type": "integer"}, "acceptedAt": {"type": "integer"}}}
S['WorkspaceSecurity'] = {"type": "object", "description": "Missing keys keep their defaults.", "properties": {"twoFactorPolicy": {"type": "string", "enum": ["optional", "admins", "everyone"]}, "memberLimit": {"type": "integer"}, "deviceCap": {"type": "integer"}, "deviceIdleDays": {"type": "integer"}, "minimumOSVersions": {"type": "object", "additionalProperties": {"type": "string"}}, "deviceRestrictions": obj, "timeZone": {"type": "string"}, "loginMaxFailures": {"type": "integer"}, "loginWindowMinutes": {"type": "integer"}, "loginLockoutMinutes": {"type": "integer"}, "linkCodeSeconds": {"type": "integer"}, "linkMaxFailures": {"type": "integer"}, "linkCooldownMinutes": {"type": "integer"}, "pinRotationDays": {"type": "integer"}, "stepUpMinutes": {"type": "integer"}, "conflictCheckHour": {"type": "integer"}, "inviteValidHours": {"type": "integer"}}}
S['AuditEvent'] = {"type": "object", "required": ["id", "at", "ip", "action", "targetType", "targetId", "details", "hash"], "properties": {"id": {"type": "integer"}, "at": {"type": "integer"}, "actorMemberId": {"type": "integer"}, "deviceId": {"type": "integer"}, "ip": {"type": "string"}, "action": {"type": "string"}, "targetType": {"type": "string"}, "targetId": {"type": "string"}, "details": {}, "hash": {"type": "string"}}}
S['DeviceInfo'] = {"type": "object", "properties": {"deviceClass": {"type": "string", "enum": ["desktop", "tablet", "mobile"]}, "os": {"type": "string"}, "osVersion": {"type": "string"}, "browser": {"type": "string"}}}

P = d['paths']
P['/api/v1/devices']['get']['responses']['200']['content'] = j(items(ref("DeviceView")))
P['/api/v1/invites/accept'] = {"post": op("acceptInvite", "Accept an invitation with one's own password", "201", body={"type": "object", "required": ["token", "password"], "properties": {"token": {"type": "string"}, "password": {"type": "string"}}}, public=True, errors=("400", "404", "409", "410", "422"))}
P['/api/v1/device-links'] = {"post": op("createDeviceLink", "A new browser asks for a link code (QR + short code)", "201", body=ref("DeviceInfo"), public=True, errors=("400",))}
P['/api/v1/device-links/{id}/claim'] = {"post": op("claimDeviceLink", "The new browser claims its session once the link is approved (202 while pending)", "201", body={"type": "object", "required": ["secret"], "properties": {"secret": {"type": "string"}}}, params=[idp()], public=True, errors=("400", "404", "410"))}
P['/api/v1/device-links/approve'] = {"post": op("approveDeviceLink", "A signed-in device approves a link code", body={"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}, errors=("400", "401", "404", "410", "429"))}
P['/api/v1/devices/{id}'] = {"delete": op("signOutDevice", "Sign out one of one's own devices", "204", params=[idp()])}
P['/api/v1/devices/logout-all'] = {"post": op("signOutAllDevices", "Sign out all of one's devices (?keepCurrent=true keeps this one)", params=[{"name": "keepCurrent", "in": "query", "schema": {"type": "boolean"}}])}
P['/api/v1/me/two-factor'] = {"get": op("twoFactorStatus", "Two-step verification and PIN status")}
P['/api/v1/me/two-factor/totp'] = {"post": op("beginTOTP", "Start authenticator set-up (secret as otpauth URL and QR)", "201")}
code = {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}
P['/api/v1/me/two-factor/totp/confirm'] = {"post": op("confirmTOTP", "Confirm with a first code; returns recovery codes", body=code)}
P['/api/v1/me/two-factor/totp/disable'] = {"post": op("disableTOTP", "Turn two-step verification off", "204", body=code)}
P['/api/v1/me/two-factor/recovery-codes'] = {"post": op("renewRecoveryCodes", "Replace the recovery codes", body=code)}
P['/api/v1/me/pin'] = {"put": op("setPIN", "Set or change the 6-digit step-up PIN", "204", body={"type": "object", "required": ["pin"], "properties": {"pin": {"type": "string"}, "currentPin": {"type": "string"}, "password": {"type": "string"}}})}
P['/api/v1/me/step-up'] = {"post": op("stepUp", "Confirm with the PIN (and an authenticator code) before sensitive actions", body={"type": "object", "required": ["pin"], "properties": {"pin": {"type": "string"}, "code": {"type": "string"}}})}
P['/api/v1/members'] = {"get": op("listMembers", "The team directory", schema=items(obj)), "post": op("inviteMember", "Invite a member (returns the invitation token once)", "201", body={"type": "object", "required": ["email", "name", "role"], "properties": {"email": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "supervisor", "standard", "restricted"]}, "templateId": {"type": "integer"}}})}
P['/api/v1/members/import'] = {"post": op("importMembers", "Invite many members from CSV (name,email,role,template): all or none, with a per-row report", "201", body={"type": "string"}, content={"text/csv": {"schema": {"type": "string"}}})}
P['/api/v1/members/{id}'] = {"get": op("getMember", "A member's rights and devices", params=[idp()]), "patch": op("updateMember", "Change role, template (null removes) or overrides", params=[idp()], body={"type": "object", "properties": {"role": {"type": "string"}, "templateId": {"type": ["integer", "null"]}, "overrides": {"type": "object", "additionalProperties": {"type": "boolean"}}}})}
P['/api/v1/members/{id}/deactivate'] = {"post": op("deactivateMember", "Deactivate a member; all devices signed out", params=[idp()])}
P['/api/v1/members/{id}/logout-all'] = {"post": op("signOutMember", "Sign out all of a member's devices", params=[idp()])}
P['/api/v1/invites'] = {"get": op("listInvites", "Open invitations", schema=items(ref("Invite")))}
P['/api/v1/team/devices'] = {"get": op("listTeamDevices", "Every member's devices, with outdated and idle flags", schema=items(ref("DeviceView")))}
P['/api/v1/team/advisories'] = {"get": op("teamAdvisories", "Advisories (3-2-1 rule, admin backup, risky combinations) and presets")}
P['/api/v1/team/presets/{name}/apply'] = {"post": op("applyTeamPreset", "Apply a team-size preset (small, medium, large)", params=[idp("name", "string")])}
P['/api/v1/teams'] = {"get": op("listTeams", "Teams (groups of members)", schema=items(obj))}
P['/api/v1/permission-templates'] = {"get": op("listPermissionTemplates", "Permission templates", schema=items(ref("PermissionTemplate"))), "post": op("createPermissionTemplate", "Create a template", "201", body=ref("PermissionTemplateInput"))}
P['/api/v1/permission-templates/{id}'] = {"put": op("updatePermissionTemplate", "Replace a template", params=[idp()], body=ref("PermissionTemplateInput")), "delete": op("deletePermissionTemplate", "Delete a template", "204", params=[idp()])}
P['/api/v1/permission-conflicts'] = {"get": op("permissionConflicts", "The latest conflict report")}
P['/api/v1/permission-conflicts/check'] = {"post": op("checkPermissionConflicts", "Run the conflict check now")}
P['/api/v1/audit-events'] = {"get": op("listAuditEvents", "The audit log, newest first", params=[{"name": "before", "in": "query", "schema": {"type": "integer"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}, {"name": "action", "in": "query", "schema": {"type": "string"}}])}
P['/api/v1/audit-events/verify'] = {"get": op("verifyAuditLog", "Check the audit log's hash chain")}
P['/api/v1/settings/security'] = {"get": op("getSecuritySettings", "Security settings", schema=ref("WorkspaceSecurity")), "put": op("putSecuritySettings", "Change security settings (step-up PIN)", schema=ref("WorkspaceSecurity"), body=ref("WorkspaceSecurity"))}
pay = {"type": "object", "properties": {"enabled": {"type": "boolean"}, "provider": {"type": "string"}, "currency": {"type": "string"}, "merchantName": {"type": "string"}}}
P['/api/v1/settings/payment'] = {"get": op("getPaymentSettings", "Payment settings", schema=pay), "put": op("putPaymentSettings", "Change payment settings (PIN and authenticator code; not from desktop sessions by default)", schema=pay, body=pay)}
P['/api/v1/conversations/{id}']['delete'] = op("deleteConversationHistory", "Delete a conversation's history (permission and step-up PIN)", params=[idp()])
P['/api/v1/conversations/{id}/export'] = {"get": op("exportConversation", "Export a conversation as JSON or CSV (permission and step-up PIN)", params=[idp(), {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}}])}
json.dump(d, open(p, 'w'), indent=2, ensure_ascii=False)
open(p, 'a').write("\n")
