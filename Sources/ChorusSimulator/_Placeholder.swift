enum _PChorusSimulator {}
