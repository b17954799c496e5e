enum _PChorusServer {}
