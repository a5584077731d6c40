"""Drives one Redfish system with sushy for racker's cross-check (independent-redfish-clients.ts).
Reads {url, verify, system, ops} on stdin, applies the ops, prints what sushy then reads as JSON."""
import json, os, sys, logging
import sushy
logging.disable(logging.CRITICAL)
req = json.load(sys.stdin)
root = sushy.Sushy(req['url'], username=os.environ['RF_USER'], password=os.environ['RF_PASSWORD'], verify=req['verify'])
system = root.get_system(req['system'])
for o in req['ops']:
    if o['op'] == 'boot':
        mode = sushy.BootSourceOverrideMode(o['mode']) if 'mode' in o else None
        system.set_system_boot_options(target=sushy.BootSource(o['target']), enabled=sushy.BootSourceOverrideEnabled(o['enabled']), mode=mode)
    elif o['op'] == 'reset':
        system.reset_system(sushy.ResetType(o['type']))
    elif o['op'] == 'manager-reset':
        system.managers[0].reset_manager(sushy.ResetType(o['type']))
    system.refresh()
view = lambda v: None if v is None else str(getattr(v, 'value', v))
managers = system.managers
print(json.dumps({'power': view(system.power_state), 'target': view(system.boot.target), 'enabled': view(system.boot.enabled),
                  'mode': view(system.boot.mode), 'uuid': system.uuid,
                  'facts': {'serial': system.serial_number, 'bios': system.bios_version, 'sku': system.sku,
                            'memoryGiB': system.memory_summary.size_gib if system.memory_summary else None,
                            'managerFirmware': managers[0].firmware_version if managers else None,
                            'managerType': view(managers[0].manager_type) if managers else None,
                            'managerModel': managers[0].model if managers else None},
                  'managerResets': sorted(v.value for v in managers[0].get_allowed_reset_manager_values()) if managers else None}))
