print("kpull")
